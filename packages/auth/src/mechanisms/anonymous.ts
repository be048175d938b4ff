/**
 * ANONYMOUS (RFC 4505): logs in as one configured user, with no credentials, as RabbitMQ 4's
 * `anonymous_login_user`. The response (optional trace information) is ignored. Off unless the
 * application registers it.
 */
import type { Mechanism } from "../mechanism.js";

export function anonymous(user: string): Mechanism {
  return { name: "ANONYMOUS", identify: () => ({ user }) };
}

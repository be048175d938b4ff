/**
 * The default authenticator until @amqp-go/auth plugs in its own: guest/guest on PLAIN and
 * AMQPLAIN, every vhost, and, as RabbitMQ, only from a loopback address.
 */
import { decodeFieldTable } from "@amqp-go/protocol";
import type { Authenticator, LoginAttempt, LoginResult } from "./ports.js";

/** PLAIN: `authzid NUL user NUL password`; AMQPLAIN: a field table without its size (LOGIN, PASSWORD). */
export function credentialsOf(mechanism: string, response: Buffer): { user: string; password: string } | undefined {
  try {
    if (mechanism === "PLAIN") {
      const first = response.indexOf(0);
      const second = response.indexOf(0, first + 1);
      if (first < 0 || second < 0) return undefined;
      return { user: response.toString("utf8", first + 1, second), password: response.toString("utf8", second + 1) };
    }
    if (mechanism === "AMQPLAIN") {
      const t = decodeFieldTable(response, 0, response.length);
      if (typeof t.LOGIN !== "string" || typeof t.PASSWORD !== "string") return undefined;
      return { user: t.LOGIN, password: t.PASSWORD };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

export class GuestAuthenticator implements Authenticator {
  readonly mechanisms = ["PLAIN", "AMQPLAIN"];

  authenticate(attempt: LoginAttempt): LoginResult {
    const c = credentialsOf(attempt.mechanism, attempt.response);
    if (c === undefined) return { ok: false, reason: "malformed credentials" };
    if (c.user !== "guest" || c.password !== "guest") return { ok: false, reason: `user '${c.user}' - invalid credentials` };
    if (!isLoopback(attempt.remoteAddress)) return { ok: false, reason: "user 'guest' - can only connect via localhost" };
    return { ok: true, user: "guest" };
  }

  canAccessVhost(): boolean {
    return true;
  }
}

/** 127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6. */
export function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

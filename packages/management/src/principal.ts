/**
 * Who made a request, and what RabbitMQ's user tags let them do (rabbit_mgmt_util): `management`
 * sees the vhosts it has permissions on and its own connections; `policymaker` also manages
 * policies; `monitoring` sees every vhost, connection and node; `administrator` does everything.
 * A user with none of these tags (or only `none`) may not use the API at all.
 */
import type { UserDb } from "@amqp-go/auth";
import { HttpError, NOT_ADMIN, NOT_MANAGEMENT, NOT_MONITOR, NOT_POLICYMAKER, notAuthorised, VHOST_REFUSED } from "./http-error.js";

/** What a route asks of its caller, weakest first. */
export type Access = "management" | "policymaker" | "monitoring" | "administrator";

export class Principal {
  readonly administrator: boolean;
  readonly monitoring: boolean;
  readonly policymaker: boolean;
  readonly management: boolean;

  constructor(
    readonly name: string,
    readonly tags: readonly string[],
    private readonly db: UserDb,
  ) {
    const has = (t: string) => tags.includes(t);
    this.administrator = has("administrator");
    this.monitoring = this.administrator || has("monitoring");
    this.policymaker = this.administrator || has("policymaker");
    this.management = this.monitoring || this.policymaker || has("management");
  }

  /** Throws 401 unless the tags allow `access`. */
  require(access: Access): void {
    if (!this.management) throw notAuthorised(NOT_MANAGEMENT);
    if (access === "administrator" && !this.administrator) throw notAuthorised(NOT_ADMIN);
    if (access === "monitoring" && !this.monitoring) throw notAuthorised(NOT_MONITOR);
    if (access === "policymaker" && !this.policymaker) throw notAuthorised(NOT_POLICYMAKER);
  }

  /** May open `vhost` (has permissions there): what writing in a vhost needs, even for administrators. */
  canAccess(vhost: string): boolean {
    return this.db.permissionsOf(this.name, vhost) !== undefined;
  }

  /** Sees what is in `vhost`: monitoring users see every vhost, others those they may open. */
  sees(vhost: string): boolean {
    return this.monitoring || this.canAccess(vhost);
  }

  /** Throws 401 unless the user sees `vhost` (reading) or may open it (`write`). */
  requireVhost(vhost: string, write = false): void {
    if (write ? !this.canAccess(vhost) : !this.sees(vhost)) throw notAuthorised(VHOST_REFUSED);
  }

  /** Connections, channels and consumers: monitoring users see everyone's, others their own. */
  seesUser(user: string): boolean {
    return this.monitoring || user === this.name;
  }
}

export type { HttpError };

/** A channel's permission checks: RabbitMQ's configure, write and read on queues and exchanges. */
import { accessRefused } from "../errors.js";
import type { Authenticator, Permission } from "../ports.js";

export class Permissions {
  /** The authenticator's check, bound once; undefined: everything is allowed. */
  private readonly check: Authenticator["checkPermission"];

  constructor(
    authenticator: Authenticator,
    private readonly user: string,
    private readonly vhost: string,
  ) {
    this.check = authenticator.checkPermission?.bind(authenticator);
  }

  /** Whether anything is checked at all (publishes skip the call when not). */
  get checked(): boolean {
    return this.check !== undefined;
  }

  /** 403 unless the user has `permission` on the resource. */
  permit(permission: Permission, kind: "queue" | "exchange", name: string): void {
    const check = this.check;
    if (check === undefined) return;
    // RabbitMQ checks the default exchange under the name amq.default.
    if (kind === "exchange" && name === "") name = "amq.default";
    if (check(this.user, this.vhost, permission, { kind, name })) return;
    throw accessRefused(`access to ${kind} '${name}' in vhost '${this.vhost}' refused for user '${this.user}'`);
  }
}

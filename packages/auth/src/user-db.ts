/**
 * The users, vhosts and permissions the authenticator decides with: a users file compiled once
 * (regular expressions built, lookups in maps), replaced whole when the file changes.
 */
import { randomBytes } from "node:crypto";
import { rabbitPasswordHash, type StoredPassword } from "./password-hash.js";
import { VhostPermissions } from "./permissions.js";
import { initialUsersFile, type UsersFile } from "./users-file.js";

export interface User {
  readonly name: string;
  readonly password: StoredPassword;
  readonly tags: readonly string[];
}

export class UserDb {
  readonly users = new Map<string, User>();
  readonly vhosts: readonly string[];
  /** user -> vhost -> permissions. */
  private readonly permissions = new Map<string, Map<string, VhostPermissions>>();

  constructor(file: UsersFile) {
    for (const u of file.users) {
      this.users.set(u.name, { name: u.name, password: { hashing_algorithm: u.hashing_algorithm, password_hash: u.password_hash }, tags: u.tags });
    }
    this.vhosts = file.vhosts.map((v) => v.name);
    for (const p of file.permissions) {
      let byVhost = this.permissions.get(p.user);
      if (byVhost === undefined) this.permissions.set(p.user, (byVhost = new Map()));
      byVhost.set(p.vhost, new VhostPermissions(p));
    }
  }

  /**
   * What a server with no users file has: guest/guest with every permission on "/". The hash is
   * made here, in memory (a fast one: the password is no secret).
   */
  static guestOnly(): UserDb {
    return new UserDb(initialUsersFile(rabbitPasswordHash("guest", "rabbit_password_hashing_sha256", randomBytes(4))));
  }

  /** The user's permissions in `vhost`; none means no access to the vhost at all. */
  permissionsOf(user: string, vhost: string): VhostPermissions | undefined {
    return this.permissions.get(user)?.get(vhost);
  }
}

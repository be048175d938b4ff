/**
 * Where the API reads and changes users, vhosts and permissions: the users file of
 * @amqp-go/auth, behind a port the application provides (apps/server writes the file and reloads
 * it at once). `MemoryUsers` keeps them in memory, for an embedded broker or tests.
 */
import { type UserDb, type UsersAuthenticator, UserDb as Db, type UsersFile } from "@amqp-go/auth";
import type { Broker } from "@amqp-go/broker";

export interface ManagementUsers {
  /** Checks logins (the HTTP basic credentials) and permissions, as for AMQP connections. */
  readonly authenticator: UsersAuthenticator;
  /**
   * Applies `edit` to the users file (it throws a UsersEditError for what it refuses) and puts the
   * result in force before returning: logins, permissions, and the broker's vhosts.
   */
  edit(edit: (file: UsersFile) => UsersFile): void;
}

/** The users file a UserDb was built from (the fields the API shows and exports). */
export function usersFileOfDb(db: UserDb): UsersFile {
  const users = [...db.users.values()].map((u) => ({ name: u.name, ...u.password, tags: u.tags }));
  const vhosts = db.vhosts.map((name) => ({ name }));
  const permissions = [];
  for (const u of db.users.keys()) {
    for (const v of db.vhosts) {
      const p = db.permissionsOf(u, v);
      if (p !== undefined) permissions.push({ user: u, vhost: v, ...p.patterns });
    }
  }
  return { users, vhosts, permissions, other: {} };
}

/** Makes the broker's vhosts those of `db`: new ones added, missing ones deleted (closing their connections). */
export function syncVhosts(broker: Broker, db: UserDb): void {
  const wanted = new Set(db.vhosts);
  for (const name of [...broker.vhosts.keys()]) if (!wanted.has(name)) broker.removeVhost(name);
  for (const name of db.vhosts) broker.addVhost(name);
}

/** Users kept in memory: edits apply to the authenticator and the broker's vhosts, nothing is written. */
export class MemoryUsers implements ManagementUsers {
  constructor(
    readonly authenticator: UsersAuthenticator,
    private readonly broker: Broker,
  ) {}

  edit(edit: (file: UsersFile) => UsersFile): void {
    const before = this.authenticator.db;
    const db = new Db(edit(usersFileOfDb(before)));
    this.authenticator.update(db);
    syncVhosts(this.broker, db);
    for (const name of before.users.keys()) if (!db.users.has(name)) this.broker.closeConnectionsOf(name);
  }
}

/**
 * Users for the running server: the users file, or guest/guest from localhost when there is none
 * (as RabbitMQ's first boot; with auth.default_user set, the file is created with that user instead); the authenticator the broker calls; and live reload. When the file
 * changes (the CLI, an editor, a config tool), the new users, permissions and vhosts apply at once:
 * vhosts are created and deleted in the broker (deleting closes their connections with 320), and a
 * deleted user's connections are closed with 320, as RabbitMQ does. A file that is invalid or
 * removed leaves the last good one in force.
 */
import { join } from "node:path";
import {
  amqplain,
  anonymous,
  editUsersFile,
  external,
  hashPassword,
  initialUsersFile,
  MechanismRegistry,
  plain,
  readUsersFile,
  type UsersFileChange,
  UserDb,
  UsersAuthenticator,
  type UsersFile,
  UsersFileError,
  UsersFileWatcher,
} from "@amqp-go/auth";
import type { Broker } from "@amqp-go/broker";
import type { Logger } from "pino";
import { type ServerConfig, tlsEnabled } from "./config.js";
import { ConfigError } from "./errors.js";

/** `auth.users_file`, or `<data_dir>/users.json`. */
export function usersFilePath(config: ServerConfig): string {
  return config.auth.users_file ?? join(config.server.data_dir, "users.json");
}

/** PLAIN and AMQPLAIN; EXTERNAL when TLS asks for client certificates; ANONYMOUS only when configured. */
export function mechanismsFor(config: ServerConfig): MechanismRegistry {
  const registry = new MechanismRegistry([plain, amqplain]);
  if (tlsEnabled(config) && config.tls.verify_peer) registry.register(external);
  if (config.auth.anonymous_user !== null) registry.register(anonymous(config.auth.anonymous_user));
  return registry;
}

/**
 * What a new users file starts from: auth.default_user with auth.default_pass when they are set
 * (guest is then not created), else guest/guest.
 */
export function initialUsers(config: ServerConfig): () => UsersFile {
  const { default_user: user, default_pass: pass } = config.auth;
  return user === null || pass === null ? () => initialUsersFile(hashPassword("guest")) : () => initialUsersFile(hashPassword(pass), user);
}

export interface ServerUsersOptions {
  /** How often the file's stat is polled besides watching its directory, ms. */
  readonly pollMs?: number;
}

export class ServerUsers {
  readonly path: string;
  readonly authenticator: UsersAuthenticator;
  private readonly loadedText: string | undefined;
  private watcher: UsersFileWatcher | undefined;
  private broker: Broker | undefined;
  /** What the users file starts from when an edit creates it. */
  private readonly initial: () => UsersFile;

  /** Reads the users file; a bad one is a ConfigError (the server does not start). */
  constructor(
    config: ServerConfig,
    private readonly log: Logger,
    private readonly options: ServerUsersOptions = {},
  ) {
    this.path = usersFilePath(config);
    this.initial = initialUsers(config);
    let loaded: ReturnType<typeof readUsersFile>;
    try {
      loaded = readUsersFile(this.path);
      if (loaded === undefined && config.auth.default_user !== null) {
        // First boot with a default user: the file is created with it, as RabbitMQ's first boot creates default_user.
        editUsersFile(this.path, (file) => ({ file, result: undefined }), initialUsers(config));
        loaded = readUsersFile(this.path);
        log.info({ file: this.path, user: config.auth.default_user }, "no users file: created it with the default user (administrator)");
      }
    } catch (err) {
      throw err instanceof UsersFileError ? new ConfigError(err.message) : err;
    }
    const db = loaded === undefined ? UserDb.guestOnly() : new UserDb(loaded.file);
    this.loadedText = loaded?.text;
    if (loaded === undefined) {
      log.warn({ file: this.path }, "no users file: the only user is guest/guest, from localhost only; `amqp-server users add` creates the file");
    } else {
      log.info({ file: this.path, users: db.users.size, vhosts: db.vhosts.length }, "users file loaded");
    }
    const { auth } = config;
    this.authenticator = new UsersAuthenticator({
      db,
      mechanisms: mechanismsFor(config),
      loopbackUsers: auth.loopback_users,
      rateLimit: { maxFailures: auth.failed_login_limit, windowMs: auth.failed_login_window },
      logger: log,
    });
  }

  /** Gives the broker the file's vhosts, then follows the file. */
  attach(broker: Broker): void {
    this.broker = broker;
    this.syncVhosts(this.authenticator.db);
    this.watcher = new UsersFileWatcher(this.path, (change) => this.onChange(change), { text: this.loadedText, pollMs: this.options.pollMs ?? 1000 });
  }

  close(): void {
    this.watcher?.close();
  }

  /**
   * ManagementUsers (the management API): edits the users file under its lock, then reloads it at
   * once (the watcher would in a moment; an API answer must not run ahead of what is in force).
   */
  edit(edit: (file: UsersFile) => UsersFile): void {
    const { result } = editUsersFile(
      this.path,
      (file) => {
        const edited = edit(file);
        return { file: edited, result: edited };
      },
      this.initial,
    );
    this.onChange({ kind: "loaded", file: result });
  }

  /** Reads the users file now (SIGHUP), applying it if it changed, as an edit seen by the watcher would. */
  reload(): void {
    this.watcher?.check();
  }

  /** Applies the live auth settings of a reloaded config: loopback_users and the failed-login limit. */
  configure(config: ServerConfig): void {
    const { auth } = config;
    this.authenticator.setLoopbackUsers(auth.loopback_users);
    this.authenticator.limiter.setLimit({ maxFailures: auth.failed_login_limit, windowMs: auth.failed_login_window });
  }

  private onChange(change: UsersFileChange): void {
    if (change.kind === "invalid") {
      this.log.error({ file: this.path, err: change.error.message }, "users file not reloaded: keeping the users loaded before");
      return;
    }
    if (change.kind === "removed") {
      this.log.warn({ file: this.path }, "users file removed: keeping the users loaded before until it is back");
      return;
    }
    const before = this.authenticator.db;
    const db = new UserDb(change.file);
    this.authenticator.update(db);
    this.syncVhosts(db);
    for (const name of before.users.keys()) {
      if (!db.users.has(name) && this.broker !== undefined) this.broker.closeConnectionsOf(name);
    }
    this.log.info({ file: this.path, users: db.users.size, vhosts: db.vhosts.length }, "users file reloaded");
  }

  private syncVhosts(db: UserDb): void {
    const broker = this.broker;
    if (broker === undefined) return;
    const wanted = new Set(db.vhosts);
    for (const name of [...broker.vhosts.keys()]) if (!wanted.has(name)) broker.removeVhost(name);
    for (const name of db.vhosts) {
      if (broker.vhosts.has(name)) continue;
      broker.addVhost(name);
      this.log.info({ vhost: name }, "vhost added");
    }
  }
}

/** A real broker with a UsersAuthenticator on a free port, amqplib clients, and a log that can be searched. */
import { Broker, type Logger } from "@amqp-go/broker";
import amqp from "amqplib";
import { afterAll, beforeAll } from "vitest";
import { hashPassword, initialUsersFile, type UsersFile, UserDb, UsersAuthenticator, type UsersAuthenticatorOptions } from "../src/index.js";

/** scrypt at 2^10: the format and code path of the real cost, a hundredth of its time. */
export const CHEAP = { log2N: 10, r: 8, p: 1 };
export const hash = (password: string) => hashPassword(password, CHEAP);

export interface LogEntry {
  readonly level: string;
  readonly msg: string | undefined;
  readonly [field: string]: unknown;
}

/** A Logger that keeps every entry, with its child bindings. */
export function memoryLogger(entries: LogEntry[] = [], bindings: Record<string, unknown> = {}): Logger & { entries: LogEntry[] } {
  const at = (level: string) => (obj: object, msg?: string) => void entries.push({ ...bindings, ...obj, level, msg });
  return {
    entries,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (more) => memoryLogger(entries, { ...bindings, ...more }),
  };
}

export interface TestServer {
  broker: Broker;
  authenticator: UsersAuthenticator;
  port: number;
  log: ReturnType<typeof memoryLogger>;
  /** amqp://user:password@127.0.0.1:port/vhost, escaped. */
  url(user: string, password: string, vhost?: string): string;
}

/** A broker for the test file whose users, vhosts and permissions are `file`. */
export function useServer(file: UsersFile, options: Omit<UsersAuthenticatorOptions, "db"> = {}, host = "127.0.0.1"): TestServer {
  const t = {} as TestServer;
  beforeAll(async () => {
    t.log = memoryLogger();
    const db = new UserDb(file);
    t.authenticator = new UsersAuthenticator({ db, logger: t.log, ...options });
    t.broker = new Broker({ heartbeat: 0, handshakeErrorDelay: 50, authenticator: t.authenticator, logger: t.log });
    for (const v of db.vhosts) t.broker.addVhost(v);
    t.port = (await t.broker.listen({ port: 0, host })).port;
    t.url = (user, password, vhost = "/") =>
      `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${t.port}/${encodeURIComponent(vhost)}`;
  });
  afterAll(() => t.broker.close());
  return t;
}

export type ChannelModel = Awaited<ReturnType<typeof amqp.connect>>;

/** Connects (any amqplib options), runs `fn`, and closes. */
export async function withConnection<T>(url: string, fn: (c: ChannelModel) => Promise<T>, options?: object): Promise<T> {
  const c = await amqp.connect(url, options);
  c.on("error", () => {});
  try {
    return await fn(c);
  } finally {
    await c.close().catch(() => {});
  }
}

/** The message amqplib rejects a refused login with. */
export const LOGIN_REFUSED = /403 \(ACCESS-REFUSED\) with message "ACCESS_REFUSED - Login was refused using authentication mechanism (\w+)/;

/** The file the tests start from: guest as RabbitMQ creates it, plus `more`. */
export function usersFile(more: Partial<Pick<UsersFile, "users" | "vhosts" | "permissions">>): UsersFile {
  const base = initialUsersFile(hash("guest"));
  return {
    users: [...base.users, ...(more.users ?? [])],
    vhosts: [...base.vhosts, ...(more.vhosts ?? [])],
    permissions: [...base.permissions, ...(more.permissions ?? [])],
    other: {},
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A broker with users and the management API, in-process on port 0, and a small HTTP client.
 * Users: guest (administrator, "/"), and one user per tag with password "pw" and permissions on
 * "/" (none: on nothing), plus vhost "other" where only guest has permissions.
 */
import { hashPassword, rabbitPasswordHash, UserDb, UsersAuthenticator } from "@amqp-go/auth";
import { Broker } from "@amqp-go/broker";
import { type ManagementServer, MemoryUsers, startManagementServer } from "../src/index.js";

export interface Harness {
  readonly broker: Broker;
  readonly management: ManagementServer;
  readonly amqpPort: number;
  readonly base: string;
  call(method: string, path: string, options?: { body?: unknown; user?: string; password?: string; raw?: string; headers?: Record<string, string> }): Promise<Answer>;
  close(): Promise<void>;
}

export interface Answer {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

const all = { configure: ".*", write: ".*", read: ".*" };

export const TAGGED = ["administrator", "monitoring", "policymaker", "management", "none"] as const;

export async function startHarness(sampleIntervalMs = 5000): Promise<Harness> {
  const guest = rabbitPasswordHash("guest", "rabbit_password_hashing_sha256", Buffer.from([1, 2, 3, 4]));
  const pw = hashPassword("pw", { log2N: 10, r: 8, p: 1 });
  const db = new UserDb({
    users: [{ name: "guest", ...guest, tags: ["administrator"] }, ...TAGGED.map((t) => ({ name: `u-${t}`, ...pw, tags: t === "none" ? [] : [t] }))],
    vhosts: [{ name: "/" }, { name: "other" }],
    permissions: [
      { user: "guest", vhost: "/", ...all },
      { user: "guest", vhost: "other", ...all },
      ...TAGGED.filter((t) => t !== "none").map((t) => ({ user: `u-${t}`, vhost: "/", ...all })),
    ],
    other: {},
  });
  const authenticator = new UsersAuthenticator({ db, rateLimit: { maxFailures: 1000, windowMs: 60_000 } });
  const broker = new Broker({ authenticator });
  broker.addVhost("other");
  const { port: amqpPort } = await broker.listen({ port: 0, host: "127.0.0.1" });
  const management = await startManagementServer({
    broker,
    users: new MemoryUsers(authenticator, broker),
    port: 0,
    host: "127.0.0.1",
    listeners: [{ protocol: "amqp", port: amqpPort }],
    sampleIntervalMs,
  });
  const base = `http://127.0.0.1:${management.port}`;
  return {
    broker,
    management,
    amqpPort,
    base,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { "content-type": "application/json", ...o.headers };
      if (o.user !== "") headers.authorization = `Basic ${Buffer.from(`${o.user ?? "guest"}:${o.password ?? (o.user === undefined || o.user === "guest" ? "guest" : "pw")}`).toString("base64")}`;
      const body = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
      const res = await fetch(base + path, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await res.text();
      let json: unknown = text;
      try {
        json = text === "" ? undefined : JSON.parse(text);
      } catch {
        // not JSON: kept as text
      }
      return { status: res.status, body: json, headers: res.headers };
    },
    async close() {
      await management.close();
      await broker.close();
    },
  };
}

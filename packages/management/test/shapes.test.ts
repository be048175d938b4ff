/**
 * Every route recorded from RabbitMQ 3.10.8 (test/fixtures/rabbitmq-3.10.json, made by
 * test/fixtures/record.mjs) asked of ours after the same setup: the same status, the same
 * Location, and every field RabbitMQ answers with, of the same JSON type.
 */
import { readFileSync } from "node:fs";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Harness, startHarness } from "./helpers.js";
import { shapeDiff } from "./shape.js";

interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly location?: string;
  readonly body: unknown;
}

const fixtures: Record<string, Recorded> = JSON.parse(readFileSync(new URL("./fixtures/rabbitmq-3.10.json", import.meta.url), "utf8"));

/** Fields of RabbitMQ's that have no meaning here, left out on purpose. */
const LEFT_OUT = new Set([
  // Erlang VM internals of /api/nodes
  "gc_num", "gc_num_details", "gc_bytes_reclaimed", "gc_bytes_reclaimed_details", "context_switches", "context_switches_details",
  "io_read_count", "io_read_count_details", "io_read_bytes", "io_read_bytes_details", "io_read_avg_time", "io_read_avg_time_details",
  "io_write_count", "io_write_count_details", "io_write_bytes", "io_write_bytes_details", "io_write_avg_time", "io_write_avg_time_details",
  "io_sync_count", "io_sync_count_details", "io_sync_avg_time", "io_sync_avg_time_details", "io_seek_count", "io_seek_count_details",
  "io_seek_avg_time", "io_seek_avg_time_details", "io_reopen_count", "io_reopen_count_details", "mnesia_ram_tx_count",
  "mnesia_ram_tx_count_details", "mnesia_disk_tx_count", "mnesia_disk_tx_count_details", "msg_store_read_count",
  "msg_store_read_count_details", "msg_store_write_count", "msg_store_write_count_details", "queue_index_write_count",
  "queue_index_write_count_details", "queue_index_read_count", "queue_index_read_count_details", "queue_declared",
  "queue_declared_details", "queue_created", "queue_created_details", "queue_deleted", "queue_deleted_details", "metrics_gc_queue_length",
]);

let h: Harness;
let conn: amqp.ChannelModel;

const V = "management-v";
const Q = "management-q";
const X = "management-x";

beforeAll(async () => {
  h = await startHarness();
  expect((await h.call("PUT", `/api/vhosts/${V}`, { body: {} })).status).toBe(201);
  await h.call("PUT", `/api/permissions/${V}/guest`, { body: { configure: ".*", write: ".*", read: ".*" } });
  await h.call("PUT", "/api/users/management-monitor", { body: { password: "pw", tags: "monitoring" } });
  await h.call("PUT", "/api/users/management-none", { body: { password: "pw", tags: "" } });
  await h.call("PUT", "/api/users/management-mgmt", { body: { password: "pw", tags: "management" } });
  await h.call("PUT", `/api/exchanges/%2F/${X}`, { body: { type: "topic", durable: true, auto_delete: false, internal: false, arguments: {} } });
  await h.call("PUT", `/api/queues/%2F/${Q}`, { body: { durable: true, auto_delete: false, arguments: { "x-max-length": 100 } } });
  conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${h.amqpPort}`, { clientProperties: { connection_name: "management-recorder" } });
  const ch = await conn.createChannel();
  await ch.prefetch(5);
  await ch.assertQueue(`${Q}-c`, { durable: false, autoDelete: true });
  await ch.consume(`${Q}-c`, () => {}, { consumerTag: "management-ctag" });
});

afterAll(async () => {
  await conn?.close();
  await h?.close();
});

// Recorded in this order; each may depend on the ones before (the binding, the published messages).
const names = Object.keys(fixtures);

describe("every recorded route answers with RabbitMQ's shape", () => {
  let connectionName = "";
  for (const name of names) {
    test(name, async () => {
      const f = fixtures[name]!;
      let path = f.path;
      if (name === "connection") path = `/api/connections/${encodeURIComponent(connectionName)}`;
      if (name === "create_binding") {
        // the messages the recorder published before it listed anything
        expect((await h.call(f.method, path, { body: { routing_key: "a.#", arguments: {} } })).status).toBe(201);
        const ch = await conn.createChannel();
        for (let i = 0; i < 3; i++) ch.publish(X, "a.b", Buffer.from(`hello ${i}`), { contentType: "text/plain", headers: { n: i } });
        await ch.close();
        h.management.api.rates.sample();
        return;
      }
      const options = requestOf(name, f);
      const ours = await h.call(f.method, path, options);
      if (name === "connections") connectionName = (ours.body as { name: string; user_provided_name?: string }[]).find((c) => c.user_provided_name === "management-recorder")!.name;
      expect({ status: ours.status }).toEqual({ status: f.status });
      if (f.location !== undefined) expect(ours.headers.get("location")).toBe(f.location);
      expect(shapeDiff(f.body, ours.body, "$", LEFT_OUT)).toEqual([]);
    });
  }
});

/** The body and credentials the recorder sent for `name`. */
function requestOf(name: string, f: Recorded): Parameters<Harness["call"]>[2] {
  const users: Record<string, { user: string; password: string }> = {
    unauthorized: { user: "guest", password: "wrong" },
    forbidden_none: { user: "management-none", password: "pw" },
    forbidden_monitor_users: { user: "management-monitor", password: "pw" },
    forbidden_mgmt_nodes: { user: "management-mgmt", password: "pw" },
    mgmt_queues: { user: "management-mgmt", password: "pw" },
  };
  const bodies: Record<string, unknown> = {
    publish: { properties: {}, routing_key: "a.c", payload: "from http", payload_encoding: "string" },
    get: { count: 2, ackmode: "ack_requeue_true", encoding: "auto", truncate: 50000 },
    bad_request_queue: { durable: "yes" },
    bad_json: "{",
    bad_request_inequivalent: { durable: false },
    create_queue: { durable: false },
    create_queue_again: { durable: false },
    method_not_allowed: {},
  };
  if (name === "unauthorized_none") return { user: "", headers: { authorization: "" } };
  return { ...users[name], ...(name in bodies ? { body: bodies[name] } : {}) };
}

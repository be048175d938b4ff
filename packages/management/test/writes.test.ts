/** The write routes, checked over AMQP: what the API declares, binds, publishes, purges and closes is real. */
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Harness, startHarness } from "./helpers.js";

let h: Harness;
let conn: amqp.ChannelModel;
let ch: amqp.Channel;
beforeAll(async () => {
  h = await startHarness();
  conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${h.amqpPort}`);
  ch = await conn.createChannel();
});
afterAll(async () => {
  await conn.close().catch(() => undefined);
  await h.close();
});

describe("exchanges and queues", () => {
  test("PUT declares (201, then 204), DELETE deletes (204, then 404)", async () => {
    expect((await h.call("PUT", "/api/exchanges/%2F/w-x", { body: { type: "fanout", durable: false } })).status).toBe(201);
    expect((await h.call("PUT", "/api/exchanges/%2F/w-x", { body: { type: "fanout", durable: false } })).status).toBe(204);
    await ch.checkExchange("w-x");
    expect((await h.call("PUT", "/api/queues/%2F/w-q", { body: { durable: false, arguments: { "x-max-length": 5 } } })).status).toBe(201);
    expect((await ch.checkQueue("w-q")).messageCount).toBe(0);
    expect((await h.call("GET", "/api/queues/%2F/w-q")).body.arguments).toEqual({ "x-max-length": 5 });
    expect((await h.call("DELETE", "/api/exchanges/%2F/w-x")).status).toBe(204);
    expect((await h.call("GET", "/api/exchanges/%2F/w-x")).status).toBe(404);
  });

  test("an inequivalent redeclare, an unknown type and a reserved name answer as RabbitMQ", async () => {
    const r = await h.call("PUT", "/api/queues/%2F/w-q", { body: { durable: true } });
    expect(r).toMatchObject({ status: 400, body: { error: "bad_request", reason: "inequivalent arg 'durable' for queue 'w-q' in vhost '/': received 'true' but current is 'false'" } });
    expect(await h.call("PUT", "/api/exchanges/%2F/w-bad", { body: { type: "nope" } })).toMatchObject({ status: 400, body: { error: "bad_request" } });
    expect(await h.call("PUT", "/api/exchanges/%2F/amq.w", { body: { type: "direct" } })).toMatchObject({ status: 401, body: { reason: "Access refused." } });
    expect(await h.call("PUT", "/api/queues/%2F/w-q2", { body: { durable: "yes" } })).toMatchObject({ status: 400, body: { reason: ["not_boolean", "yes"] } });
    expect(await h.call("PUT", "/api/queues/%2F/w-q2", { raw: "{oops" })).toMatchObject({ status: 400, body: { error: "bad_request", reason: "not_json" } });
  });

  test("DELETE with if-empty refuses a queue with messages; contents DELETE purges", async () => {
    ch.sendToQueue("w-q", Buffer.from("1"));
    ch.sendToQueue("w-q", Buffer.from("2"));
    await ch.checkQueue("w-q");
    expect((await h.call("DELETE", "/api/queues/%2F/w-q?if-empty=true")).status).toBe(400);
    expect((await h.call("DELETE", "/api/queues/%2F/w-q/contents")).status).toBe(204);
    expect((await ch.checkQueue("w-q")).messageCount).toBe(0);
    expect((await h.call("DELETE", "/api/queues/%2F/w-q?if-empty=true")).status).toBe(204);
    expect((await h.call("DELETE", "/api/queues/%2F/w-q")).status).toBe(404);
  });
});

describe("bindings", () => {
  test("e->q and e->e: created with a Location, listed with properties_key, deleted by it", async () => {
    await h.call("PUT", "/api/exchanges/%2F/b-src", { body: { type: "topic", durable: false } });
    await h.call("PUT", "/api/exchanges/%2F/b-mid", { body: { type: "fanout", durable: false } });
    await h.call("PUT", "/api/queues/%2F/b-q", { body: { durable: false } });
    const eq = await h.call("POST", "/api/bindings/%2F/e/b-src/q/b-q", { body: { routing_key: "a.#", arguments: {} } });
    expect(eq.status).toBe(201);
    expect(eq.headers.get("location")).toBe("b-q/a.%2523");
    const ee = await h.call("POST", "/api/bindings/%2F/e/b-src/e/b-mid", { body: { routing_key: "x", arguments: { k: "v" } } });
    expect(ee.status).toBe(201);
    await h.call("POST", "/api/bindings/%2F/e/b-mid/q/b-q", { body: {} });
    const listed = (await h.call("GET", "/api/bindings/%2F/e/b-src/q/b-q")).body;
    expect(listed).toEqual([
      { source: "b-src", vhost: "/", destination: "b-q", destination_type: "queue", routing_key: "a.#", arguments: {}, properties_key: "a.%23" },
    ]);
    const e2e = (await h.call("GET", "/api/exchanges/%2F/b-mid/bindings/destination")).body;
    expect(e2e).toHaveLength(1);
    expect(e2e[0].properties_key).toMatch(/^x~/);
    // routed over AMQP through both
    ch.publish("b-src", "x", Buffer.from("via e2e"));
    ch.publish("b-src", "a.b", Buffer.from("direct"));
    await new Promise((r) => setTimeout(r, 50));
    expect((await ch.checkQueue("b-q")).messageCount).toBe(2);
    expect((await h.call("DELETE", `/api/bindings/%2F/e/b-src/e/b-mid/${encodeURIComponent(e2e[0].properties_key)}`)).status).toBe(204);
    expect((await h.call("DELETE", "/api/bindings/%2F/e/b-src/q/b-q/a.%23")).status).toBe(204);
    expect((await h.call("GET", "/api/exchanges/%2F/b-src/bindings/source")).body).toEqual([]);
    expect((await h.call("POST", "/api/bindings/%2F/e/b-src/q/missing", { body: {} })).status).toBe(404);
    // the default exchange's binding is listed and cannot be deleted
    const q = (await h.call("GET", "/api/queues/%2F/b-q/bindings")).body;
    expect(q.map((b: { source: string }) => b.source)).toEqual(["", "b-mid"]);
  });
});

describe("messages over HTTP", () => {
  test("publish routes (routed true/false); get honours ackmode, count, encoding and truncate", async () => {
    await h.call("PUT", "/api/queues/%2F/m-q", { body: { durable: false } });
    const pub = (payload: string, encoding = "string") =>
      h.call("POST", "/api/exchanges/%2F/amq.default/publish", {
        body: { routing_key: "m-q", payload, payload_encoding: encoding, properties: { content_type: "text/plain", headers: { h: 1 }, delivery_mode: 2 } },
      });
    expect((await pub("hello")).body).toEqual({ routed: true });
    expect((await pub(Buffer.from([0, 1, 2, 255]).toString("base64"), "base64")).body).toEqual({ routed: true });
    const none = await h.call("POST", "/api/exchanges/%2F/amq.default/publish", { body: { routing_key: "nowhere", payload: "x", payload_encoding: "string", properties: {} } });
    expect(none.body).toEqual({ routed: false });
    const missing = await h.call("POST", "/api/exchanges/%2F/amq.default/publish", { body: { routing_key: "m-q", payload: "x", properties: {} } });
    expect(missing).toMatchObject({ status: 400, body: { error: "bad_request", reason: "[{key_missing,payload_encoding}]" } });

    const peek = await h.call("POST", "/api/queues/%2F/m-q/get", { body: { count: 5, ackmode: "ack_requeue_true", encoding: "auto", truncate: 3 } });
    expect(peek.body).toEqual([
      {
        payload_bytes: 5,
        redelivered: false,
        exchange: "",
        routing_key: "m-q",
        message_count: 1,
        properties: { content_type: "text/plain", delivery_mode: 2, headers: { h: 1 } },
        payload: "hel",
        payload_encoding: "string",
      },
      expect.objectContaining({ payload: Buffer.from([0, 1, 2]).toString("base64"), payload_encoding: "base64", message_count: 0 }),
    ]);
    const again = await h.call("POST", "/api/queues/%2F/m-q/get", { body: { count: 1, ackmode: "ack_requeue_false", encoding: "base64" } });
    expect(again.body[0]).toMatchObject({ redelivered: true, payload: Buffer.from("hello").toString("base64"), payload_encoding: "base64" });
    expect((await ch.checkQueue("m-q")).messageCount).toBe(1);
    expect((await h.call("POST", "/api/queues/%2F/m-q/get", { body: { count: 1, ackmode: "wrong" } })).status).toBe(400);
    expect((await h.call("POST", "/api/queues/%2F/none/get", { body: { count: 1, ackmode: "ack_requeue_true" } })).status).toBe(404);
  });

  test("a publish over HTTP meets the queue's arguments: expiration and x-max-length with reject-publish", async () => {
    await h.call("PUT", "/api/queues/%2F/m-limited", { body: { durable: false, arguments: { "x-max-length": 1, "x-overflow": "reject-publish" } } });
    const pub = (payload: string, properties: object = {}) =>
      h.call("POST", "/api/exchanges/%2F/amq.default/publish", { body: { routing_key: "m-limited", payload, payload_encoding: "string", properties } });
    await pub("kept");
    await pub("refused: the queue is full");
    expect((await ch.checkQueue("m-limited")).messageCount).toBe(1);
    await h.call("DELETE", "/api/queues/%2F/m-limited/contents");
    await pub("short-lived", { expiration: "20" });
    await new Promise((r) => setTimeout(r, 80));
    expect((await h.call("POST", "/api/queues/%2F/m-limited/get", { body: { count: 1, ackmode: "ack_requeue_false", encoding: "auto" } })).body).toEqual([]);
  });

  test("message_stats count and rates come from the 5 s samples", async () => {
    await h.call("PUT", "/api/queues/%2F/r-q", { body: { durable: false } });
    h.management.api.rates.sample(Date.now());
    for (let i = 0; i < 10; i++) ch.sendToQueue("r-q", Buffer.from("x"));
    await ch.checkQueue("r-q");
    h.management.api.rates.sample(Date.now() + 5000);
    const q = (await h.call("GET", "/api/queues/%2F/r-q")).body;
    expect(q.message_stats.publish).toBe(10);
    expect(q.message_stats.publish_details.rate).toBeGreaterThan(0);
    expect(q.messages).toBe(10);
    const o = (await h.call("GET", "/api/overview")).body;
    expect(o.message_stats.publish).toBeGreaterThanOrEqual(10);
    expect(o.object_totals.queues).toBeGreaterThan(0);
  });
});

describe("vhosts, users, permissions", () => {
  test("a vhost made over HTTP takes AMQP connections; deleting it closes them with 320", async () => {
    expect((await h.call("PUT", "/api/vhosts/w-v", { body: {} })).status).toBe(201);
    expect((await h.call("PUT", "/api/vhosts/w-v", { body: {} })).status).toBe(204);
    expect((await h.call("PUT", "/api/users/w-user", { body: { password: "secret", tags: "management" } })).status).toBe(201);
    expect((await h.call("PUT", "/api/permissions/w-v/w-user", { body: { configure: ".*", write: ".*", read: ".*" } })).status).toBe(201);
    expect((await h.call("GET", "/api/permissions/w-v/w-user")).body).toEqual({ user: "w-user", vhost: "w-v", configure: ".*", write: ".*", read: ".*" });
    const c = await amqp.connect(`amqp://w-user:secret@127.0.0.1:${h.amqpPort}/w-v`);
    const closed = new Promise<Error>((resolve) => c.on("close", resolve));
    expect((await h.call("DELETE", "/api/vhosts/w-v")).status).toBe(204);
    expect(String(await closed)).toMatch(/320/);
    expect((await h.call("DELETE", "/api/vhosts/w-v")).status).toBe(404);
    expect((await h.call("GET", "/api/permissions/w-v/w-user")).status).toBe(404);
  });

  test("users: tags as a string or array, password or password_hash, DELETE", async () => {
    expect((await h.call("PUT", "/api/users/w-u2", { body: { password: "a", tags: ["monitoring", "management"] } })).status).toBe(201);
    expect((await h.call("GET", "/api/users/w-u2")).body.tags).toEqual(["monitoring", "management"]);
    expect((await h.call("GET", "/api/whoami", { user: "w-u2", password: "a" })).status).toBe(200);
    expect((await h.call("PUT", "/api/users/w-u2", { body: { tags: "" } })).status).toBe(204);
    expect((await h.call("GET", "/api/whoami", { user: "w-u2", password: "a" })).status).toBe(401);
    expect((await h.call("PUT", "/api/users/w-u3", { body: { tags: "" } })).status).toBe(400);
    expect((await h.call("PUT", "/api/users/w-u3", { body: { password_hash: "bad", tags: "" } })).status).toBe(400);
    expect((await h.call("DELETE", "/api/users/w-u2")).status).toBe(204);
    expect((await h.call("GET", "/api/users/w-u2")).status).toBe(404);
  });
});

test("DELETE /api/connections/name closes it with 320 and the X-Reason", async () => {
  const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${h.amqpPort}`);
  const closed = new Promise<Error>((resolve) => c.on("close", resolve));
  const list = (await h.call("GET", "/api/connections")).body as { name: string; peer_port: number }[];
  const mine = list.find((x) => x.peer_port === (c.connection as unknown as { stream: { localPort: number } }).stream.localPort)!;
  expect((await h.call("DELETE", `/api/connections/${encodeURIComponent(mine.name)}`, { headers: { "x-reason": "bye now" } })).status).toBe(204);
  expect(String(await closed)).toMatch(/320.*bye now/);
  expect((await h.call("GET", `/api/connections/${encodeURIComponent(mine.name)}`)).status).toBe(404);
});

test("overview message_stats separate deliveries to consumers from gets", async () => {
  await h.call("PUT", "/api/queues/%2F/o-q", { body: { durable: false } });
  const before = (await h.call("GET", "/api/overview")).body.message_stats;
  for (let i = 0; i < 3; i++) ch.sendToQueue("o-q", Buffer.from("x"));
  await ch.checkQueue("o-q");
  const m = await ch.get("o-q", { noAck: false });
  if (m === false) throw new Error("expected a message");
  ch.ack(m);
  await ch.get("o-q", { noAck: true });
  await ch.consume("o-q", () => undefined, { noAck: true });
  await new Promise((r) => setTimeout(r, 50));
  const after = (await h.call("GET", "/api/overview")).body.message_stats;
  const delta = (k: string) => after[k] - before[k];
  expect({ get: delta("get"), get_no_ack: delta("get_no_ack"), deliver_no_ack: delta("deliver_no_ack"), deliver_get: delta("deliver_get"), ack: delta("ack") }).toEqual({
    get: 1,
    get_no_ack: 1,
    deliver_no_ack: 1,
    deliver_get: 3,
    ack: 1,
  });
});

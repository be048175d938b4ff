/** GET and POST /api/definitions: RabbitMQ's export imports here and works over AMQP; ours round-trips; failures are reported. */
import { readFileSync } from "node:fs";
import amqp from "amqplib";
import { afterEach, beforeEach, expect, test } from "vitest";
import { type Harness, startHarness } from "./helpers.js";

const fixtures = JSON.parse(readFileSync(new URL("./fixtures/rabbitmq-3.10.json", import.meta.url), "utf8"));
/** What RabbitMQ 3.10.8 exported (GET /api/definitions) after the recorder's setup. */
const rabbitExport = fixtures.definitions.body;

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

test("a RabbitMQ export imports, and its topology routes over AMQP", async () => {
  const r = await h.call("POST", "/api/definitions", { body: rabbitExport });
  expect(r.status).toBe(204);
  const queues = (await h.call("GET", "/api/queues/%2F")).body.map((q: { name: string }) => q.name);
  expect(queues).toEqual(expect.arrayContaining(["management-q"]));
  expect((await h.call("GET", "/api/queues/%2F/management-q")).body.arguments).toEqual({ "x-max-length": 100 });
  // RabbitMQ's sha256 hash of guest's password still logs in
  const users = (await h.call("GET", "/api/users")).body.map((u: { name: string }) => u.name);
  expect(users).toEqual(expect.arrayContaining(["guest", "management-monitor"]));
  const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${h.amqpPort}`);
  try {
    const ch = await conn.createChannel();
    ch.publish("management-x", "a.b", Buffer.from("routed"));
    await new Promise((res) => setTimeout(res, 50));
    const m = await ch.get("management-q");
    expect(m && m.content.toString()).toBe("routed");
  } finally {
    await conn.close();
  }
});

test("ours exports in RabbitMQ's format, imports into a fresh broker identically, and importing twice changes nothing", async () => {
  await h.call("PUT", "/api/vhosts/d-v", { body: {} });
  await h.call("PUT", "/api/permissions/d-v/guest", { body: { configure: ".*", write: ".*", read: ".*" } });
  await h.call("PUT", "/api/exchanges/d-v/d-x", { body: { type: "headers", durable: true, arguments: { "alternate-exchange": "d-ae" } } });
  await h.call("PUT", "/api/queues/d-v/d-q", { body: { durable: true, arguments: { "x-message-ttl": 1000, "x-dead-letter-exchange": "dlx" } } });
  await h.call("POST", "/api/bindings/d-v/e/d-x/q/d-q", { body: { routing_key: "", arguments: { "x-match": "any", a: 1 } } });
  const exported = (await h.call("GET", "/api/definitions")).body;
  for (const key of ["rabbit_version", "users", "vhosts", "permissions", "topic_permissions", "parameters", "global_parameters", "policies", "queues", "exchanges", "bindings"]) {
    expect(exported).toHaveProperty(key);
  }
  expect(exported.queues).toEqual([{ name: "d-q", vhost: "d-v", durable: true, auto_delete: false, arguments: { "x-message-ttl": 1000, "x-dead-letter-exchange": "dlx" } }]);
  expect(exported.bindings).toEqual([
    { source: "d-x", vhost: "d-v", destination: "d-q", destination_type: "queue", routing_key: "", arguments: { "x-match": "any", a: 1 } },
  ]);
  const perVhost = (await h.call("GET", "/api/definitions/d-v")).body;
  expect(perVhost.queues).toEqual([{ name: "d-q", durable: true, auto_delete: false, arguments: { "x-message-ttl": 1000, "x-dead-letter-exchange": "dlx" } }]);

  const other = await startHarness();
  try {
    expect((await other.call("POST", "/api/definitions", { body: exported })).status).toBe(204);
    expect((await other.call("POST", "/api/definitions", { body: exported })).status).toBe(204);
    const again = (await other.call("GET", "/api/definitions")).body;
    for (const key of ["users", "vhosts", "permissions", "queues", "exchanges", "bindings"]) expect(again[key]).toEqual(exported[key]);
  } finally {
    await other.close();
  }
});

test("what cannot be applied is reported (400), never dropped silently; the rest is applied", async () => {
  await h.call("PUT", "/api/queues/%2F/taken", { body: { durable: false } });
  const r = await h.call("POST", "/api/definitions", {
    body: {
      queues: [
        { name: "taken", vhost: "/", durable: true, auto_delete: false, arguments: {} },
        { name: "fine", vhost: "/", durable: true, auto_delete: false, arguments: {} },
        { name: "lost", vhost: "nowhere", durable: true, auto_delete: false, arguments: {} },
      ],
      bindings: [{ source: "amq.direct", vhost: "/", destination: "absent", destination_type: "queue", routing_key: "k", arguments: {} }],
      policies: [
        { vhost: "/", name: "p-bad", pattern: ".*", "apply-to": "queues", definition: { "max-priority": 1 }, priority: 0 },
        { vhost: "/", name: "p-fine", pattern: "^fine$", "apply-to": "queues", definition: { "message-ttl": 60000 }, priority: 0 },
      ],
    },
  });
  expect(r.status).toBe(400);
  expect(r.body.error).toBe("bad_request");
  expect(r.body.reason).toContain("queue 'taken' in vhost '/': inequivalent arg 'durable'");
  expect(r.body.reason).toContain("vhost 'nowhere'");
  expect(r.body.reason).toContain("no queue 'absent'");
  expect(r.body.reason).toContain(`policy 'p-bad' in vhost '/': Validation failed: [{<<"max-priority">>,1}] are not recognised policy settings`);
  const fine = await h.call("GET", "/api/queues/%2F/fine");
  expect(fine.status).toBe(200);
  expect(fine.body).toMatchObject({ policy: "p-fine", effective_policy_definition: { "message-ttl": 60000 } });
  expect((await h.call("DELETE", "/api/policies/%2F/p-fine")).status).toBe(204);
});

test("per-vhost import puts everything in that vhost; bad users are a 400 and change nothing", async () => {
  expect((await h.call("POST", "/api/definitions/other", { body: { queues: [{ name: "in-other", vhost: "/", durable: false, auto_delete: false, arguments: {} }] } })).status).toBe(204);
  expect((await h.call("GET", "/api/queues/other/in-other")).status).toBe(200);
  const bad = await h.call("POST", "/api/definitions", { body: { users: [{ name: "x", password_hash: "!!", hashing_algorithm: "rabbit_password_hashing_sha256", tags: [] }] } });
  expect(bad.status).toBe(400);
  expect((await h.call("GET", "/api/users/x")).status).toBe(404);
});

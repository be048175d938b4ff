/**
 * /api/policies and /api/operator-policies against the answers recorded from RabbitMQ 3.10.8 (fixtures/rabbitmq-3.10-policies.json,
 * made by fixtures/record-policies.mjs), replayed in the recorder's order: statuses and bodies
 * equal (validation reasons included), the queue's `policy` and `effective_policy_definition`,
 * policies in definitions exports; then a policy over AMQP: TTL and dead-lettering set on an
 * existing queue through the API, and its own arguments back once the policy is deleted.
 */
import { readFileSync } from "node:fs";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Harness, startHarness } from "./helpers.js";
import { shapeDiff } from "./shape.js";

interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly request?: unknown;
  readonly user?: string;
  readonly status: number;
  readonly body: unknown;
}

// The recorder's vhost and users, as the harness names them.
const rename = (s: string): string => s.replaceAll("policies-v", "other");
const USERS: Record<string, string> = { "policies-pm": "u-policymaker", "policies-mgmt": "u-management", "policies-mon": "u-monitoring" };
const fixtures: Record<string, Recorded> = JSON.parse(rename(readFileSync(new URL("./fixtures/rabbitmq-3.10-policies.json", import.meta.url), "utf8")));

let h: Harness;
let conn: Awaited<ReturnType<typeof amqp.connect>>;

beforeAll(async () => {
  h = await startHarness();
  conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${h.amqpPort}`);
  const ch = await conn.createChannel();
  await ch.assertQueue("policies-q", { durable: false, arguments: { "x-message-ttl": 5000, "x-dead-letter-exchange": "own" } });
  await ch.close();
});

afterAll(async () => {
  await conn?.close();
  await h?.close();
});

/** Where our answer may differ from RabbitMQ's on purpose. */
const SHAPE_ONLY = new Set(["queue_under_policy", "queue_policy_cleared", "definitions", "definitions_vhost"]);

describe("every recorded policy call answers as RabbitMQ 3.10.8 did", () => {
  for (const [name, f] of Object.entries(fixtures)) {
    test(name, async () => {
      const user = f.user === undefined ? undefined : USERS[f.user];
      const options = {
        ...(user === undefined ? {} : { user }),
        ...(f.request === undefined ? {} : typeof f.request === "string" ? { raw: f.request } : { body: f.request }),
      };
      const ours = await h.call(f.method, f.path, options);
      expect({ name, status: ours.status }).toEqual({ name, status: f.status });
      if (!SHAPE_ONLY.has(name)) {
        expect(ours.body ?? null).toEqual(f.body);
        return;
      }
      expect(shapeDiff(f.body, ours.body, "$", new Set(["backing_queue_status", "garbage_collection", "head_message_timestamp"]))).toEqual([]);
      const theirs = f.body as Record<string, unknown>;
      const body = ours.body as Record<string, unknown>;
      if (name.startsWith("queue_")) {
        expect({ policy: body.policy, operator_policy: body.operator_policy, effective_policy_definition: body.effective_policy_definition }).toEqual({
          policy: theirs.policy,
          operator_policy: theirs.operator_policy,
          effective_policy_definition: theirs.effective_policy_definition,
        });
      } else {
        // the order of an export carries no meaning: compared by vhost and name
        const byName = (l: unknown) => [...(l as { vhost: string; name: string }[])].sort((x, y) => `${x.vhost}/${x.name}`.localeCompare(`${y.vhost}/${y.name}`));
        expect(byName(body.policies)).toEqual(byName(theirs.policies));
      }
    });
  }
});

describe("a policy over AMQP, through the API", () => {
  test("sets TTL and a dead-letter exchange on an existing queue; deleting it restores the queue's own arguments", async () => {
    const ch = await conn.createChannel();
    await ch.assertExchange("api-pol.dlx", "fanout", { durable: false });
    await ch.assertQueue("api-pol.dlq", { durable: false });
    await ch.bindQueue("api-pol.dlq", "api-pol.dlx", "");
    await ch.assertQueue("api-pol.work", { durable: false, arguments: { "x-max-length": 100 } });
    const put = await h.call("PUT", "/api/policies/%2F/api-pol", {
      body: { pattern: "^api-pol\\.work$", "apply-to": "queues", priority: 0, definition: { "message-ttl": 30, "dead-letter-exchange": "api-pol.dlx", "max-length": 500 } },
    });
    expect(put.status).toBe(201);
    const q = (await h.call("GET", "/api/queues/%2F/api-pol.work")).body;
    expect(q).toMatchObject({ policy: "api-pol", effective_policy_definition: { "message-ttl": 30, "dead-letter-exchange": "api-pol.dlx", "max-length": 500 }, arguments: { "x-max-length": 100 } });
    ch.sendToQueue("api-pol.work", Buffer.from("expires"));
    let dead: Awaited<ReturnType<typeof ch.get>> = false;
    for (let i = 0; i < 200 && dead === false; i++) {
      dead = await ch.get("api-pol.dlq", { noAck: true });
      if (dead === false) await new Promise((r) => setTimeout(r, 10));
    }
    expect(dead && dead.content.toString()).toBe("expires");
    const deaths = (dead && dead.properties.headers?.["x-death"]) as { reason: string }[];
    expect(deaths[0]!.reason).toBe("expired");

    expect((await h.call("DELETE", "/api/policies/%2F/api-pol")).status).toBe(204);
    const after = (await h.call("GET", "/api/queues/%2F/api-pol.work")).body;
    expect(after).toMatchObject({ policy: null, effective_policy_definition: {} });
    const queue = h.broker.vhosts.get("/")!.queues.get("api-pol.work")!;
    expect(queue.args).toMatchObject({ messageTtl: -1, deadLetterExchange: null, maxLength: 100 });
    ch.sendToQueue("api-pol.work", Buffer.from("stays"));
    await new Promise((r) => setTimeout(r, 80));
    expect((await ch.checkQueue("api-pol.work")).messageCount).toBe(1);
    await ch.close();
  });

  test("administrators set policies in any vhost; policymakers only where they may open it", async () => {
    const body = { pattern: "^none$", definition: { "max-length": 1 } };
    expect((await h.call("PUT", "/api/policies/other/admin-pol", { body })).status).toBe(201);
    expect((await h.call("GET", "/api/policies/other", { user: "u-policymaker" })).status).toBe(401);
    expect((await h.call("DELETE", "/api/policies/other/admin-pol", { user: "u-policymaker" })).body).toEqual({
      error: "not_authorised",
      reason: "User not authorised to access object",
    });
    expect((await h.call("DELETE", "/api/policies/other/admin-pol")).status).toBe(204);
    expect((await h.call("PUT", "/api/policies/%2F/pm-pol", { body, user: "u-policymaker" })).status).toBe(201);
    expect((await h.call("GET", "/api/policies/%2F/pm-pol", { user: "u-management" })).status).toBe(200);
    expect((await h.call("DELETE", "/api/policies/%2F/pm-pol", { user: "u-monitoring" })).status).toBe(401);
    expect((await h.call("DELETE", "/api/policies/%2F/pm-pol", { user: "u-policymaker" })).status).toBe(204);
    expect((await h.call("GET", "/api/policies", { user: "u-none" })).body).toEqual({ error: "not_authorised", reason: "Not management user" });
  });

  test("a policy on exchanges: its alternate exchange, and the exchange's `policy` field (absent without one, as RabbitMQ)", async () => {
    expect((await h.call("PUT", "/api/exchanges/%2F/api-ae.x", { body: { type: "direct", durable: false } })).status).toBe(201);
    expect((await h.call("PUT", "/api/queues/%2F/api-ae.q", { body: { durable: false } })).status).toBe(201);
    expect((await h.call("POST", "/api/bindings/%2F/e/amq.fanout/q/api-ae.q", { body: { routing_key: "" } })).status).toBe(201);
    const body = { pattern: "^api-ae\\.x$", "apply-to": "exchanges", definition: { "alternate-exchange": "amq.fanout" } };
    expect((await h.call("PUT", "/api/policies/%2F/api-ae", { body })).status).toBe(201);
    expect((await h.call("GET", "/api/exchanges/%2F/api-ae.x")).body).toMatchObject({ policy: "api-ae" });
    const published = await h.call("POST", "/api/exchanges/%2F/api-ae.x/publish", { body: { properties: {}, routing_key: "none", payload: "p", payload_encoding: "string" } });
    expect(published.body).toEqual({ routed: true });
    expect((await h.call("DELETE", "/api/policies/%2F/api-ae")).status).toBe(204);
    expect((await h.call("GET", "/api/exchanges/%2F/api-ae.x")).body).not.toHaveProperty("policy");
    const again = await h.call("POST", "/api/exchanges/%2F/api-ae.x/publish", { body: { properties: {}, routing_key: "none", payload: "p", payload_encoding: "string" } });
    expect(again.body).toEqual({ routed: false });
    await h.call("DELETE", "/api/exchanges/%2F/api-ae.x");
    await h.call("DELETE", "/api/queues/%2F/api-ae.q");
  });

  test("a definitions export with policies imports back and applies them", async () => {
    const body = { pattern: "^api-def", "apply-to": "queues", priority: 7, definition: { "max-length": 3 } };
    expect((await h.call("PUT", "/api/policies/%2F/api-def", { body })).status).toBe(201);
    const exported = (await h.call("GET", "/api/definitions")).body as { policies: unknown[] };
    expect(exported.policies).toContainEqual({ vhost: "/", name: "api-def", ...body });
    expect((await h.call("DELETE", "/api/policies/%2F/api-def")).status).toBe(204);
    expect((await h.call("POST", "/api/definitions", { body: { policies: exported.policies, queues: [{ name: "api-def.q", vhost: "/", durable: false, auto_delete: false, arguments: {} }] } })).status).toBe(204);
    expect((await h.call("GET", "/api/queues/%2F/api-def.q")).body).toMatchObject({ policy: "api-def" });
    expect(h.broker.vhosts.get("/")!.queues.get("api-def.q")!.args.maxLength).toBe(3);
    expect((await h.call("DELETE", "/api/policies/%2F/api-def")).status).toBe(204);
  });
});

/**
 * GET /api/queues serialises each queue's view once and keeps the bytes while the view is the same
 * (src/json-list.ts). The listing must never show a stale queue: after every kind of change it is
 * compared with the paged listing, which builds every view afresh.
 */
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./helpers.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness(60_000);
});
afterAll(() => h.close());

async function sameAsFresh(): Promise<any[]> {
  const whole = await h.call("GET", "/api/queues");
  const paged = await h.call("GET", "/api/queues?page=1&page_size=500");
  expect(whole.status).toBe(200);
  expect(whole.headers.get("content-type")).toBe("application/json");
  expect(whole.body).toEqual(paged.body.items);
  const vhost = await h.call("GET", "/api/queues/%2F");
  expect(vhost.body).toEqual(paged.body.items.filter((q: any) => q.vhost === "/"));
  return whole.body;
}

describe("the queue listing", () => {
  it("follows every change: declare, publish, consume, ack, policy, rates, delete", async () => {
    const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${h.amqpPort}`, { noDelay: true });
    const ch = await c.createChannel();
    for (let i = 0; i < 5; i++) await ch.assertQueue(`listing-${i}`, { durable: false });
    await h.call("PUT", "/api/queues/other/listing-other", { body: { durable: false } });
    expect((await sameAsFresh()).map((q) => q.name)).toEqual(expect.arrayContaining(["listing-0", "listing-4", "listing-other"]));

    for (let i = 0; i < 3; i++) ch.sendToQueue("listing-1", Buffer.from(`m${i}`));
    await ch.assertQueue("listing-1", { durable: false }); // a round trip: the publishes are in
    const afterPublish = await sameAsFresh();
    expect(afterPublish.find((q) => q.name === "listing-1")).toMatchObject({ messages: 3, messages_ready: 3 });

    h.management.api.rates.sample();
    await ch.prefetch(10);
    const got: amqp.ConsumeMessage[] = [];
    await ch.consume("listing-1", (m) => m && got.push(m));
    await expect.poll(() => got.length).toBe(3);
    const consuming = await sameAsFresh();
    expect(consuming.find((q) => q.name === "listing-1")).toMatchObject({ consumers: 1, messages_unacknowledged: 3, messages_ready: 0 });

    for (const m of got) ch.ack(m);
    await ch.assertQueue("listing-1", { durable: false });
    h.management.api.rates.sample(Date.now() + 1000);
    expect((await sameAsFresh()).find((q) => q.name === "listing-1")).toMatchObject({ messages: 0, message_stats: { ack: 3 } });

    await h.call("PUT", "/api/policies/%2F/listing-ttl", { body: { pattern: "^listing-2$", definition: { "message-ttl": 1000 }, "apply-to": "queues" } });
    expect((await sameAsFresh()).find((q) => q.name === "listing-2")).toMatchObject({ policy: "listing-ttl", effective_policy_definition: { "message-ttl": 1000 } });
    await h.call("DELETE", "/api/policies/%2F/listing-ttl");
    expect((await sameAsFresh()).find((q) => q.name === "listing-2")).toMatchObject({ policy: null });

    await ch.deleteQueue("listing-3");
    expect((await sameAsFresh()).map((q) => q.name)).not.toContain("listing-3");
    await c.close();
    await h.call("DELETE", "/api/queues/other/listing-other");
  });
});

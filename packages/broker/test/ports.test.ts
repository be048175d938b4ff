import { describe, expect, it } from "vitest";
import { channel, RecordingAuthenticator, rejectsWith, until, useBroker, withConnection } from "./helpers.js";

const auth = new RecordingAuthenticator(["configure queue:locked", "write exchange:amq.fanout", "read queue:secret", "read exchange:amq.topic"]);
const t = useBroker({ authenticator: auth });

describe("the permission port", () => {
  it("is asked where RabbitMQ checks, and a refusal is a 403 channel error", async () => {
    await withConnection(t.url, async (c) => {
      await rejectsWith((await channel(c)).assertQueue("locked"), 403);
      const ch = await channel(c);
      await ch.assertQueue("secret", { exclusive: true });
      await rejectsWith((await channel(c)).consume("secret", () => {}), 403);
      await rejectsWith((await channel(c)).get("secret"), 403);
      await rejectsWith((await channel(c)).bindQueue("secret", "amq.topic", "#"), 403);
      const pub = await channel(c);
      pub.publish("amq.fanout", "", Buffer.from("x"));
      await until(() => pub.closedWith !== undefined);
      expect(pub.closedWith?.code).toBe(403);
      expect(pub.closedWith?.message).toContain("access to exchange 'amq.fanout' in vhost '/' refused for user 'guest'");
      await ch.checkQueue("secret");
    });
    expect(auth.asked).toEqual(
      expect.arrayContaining(["configure queue:locked", "configure queue:secret", "read queue:secret", "write queue:secret", "read exchange:amq.topic", "write exchange:amq.fanout"]),
    );
  });
});

describe("counters", () => {
  it("count a known workload exactly", async () => {
    const k = t.broker.counters;
    const before = { ...k };
    await withConnection(t.url, async (c) => {
      const ch = await c.createConfirmChannel();
      const { queue } = await ch.assertQueue("", { exclusive: true });
      for (let i = 0; i < 10; i++) ch.sendToQueue(queue, Buffer.from(String(i)));
      ch.publish("amq.direct", "nowhere", Buffer.from("dropped"));
      ch.publish("amq.direct", "nowhere", Buffer.from("returned"), { mandatory: true });
      await ch.waitForConfirms();
      const got: unknown[] = [];
      await ch.prefetch(5);
      await ch.consume(queue, (m) => m && got.push(m));
      await until(() => got.length === 5);
      ch.ack(got[4] as never, true); // 5 acked
      await until(() => got.length === 10);
      ch.nack(got[5] as never, false, true); // 1 rejected, requeued, redelivered to the consumer
      await until(() => got.length === 11);
      expect(await ch.get(queue)).toBe(false);
    });
    const d = (key: keyof typeof k) => (k[key] as number) - (before[key] as number);
    expect({
      published: d("published"),
      routed: d("routed"),
      unroutableDropped: d("unroutableDropped"),
      unroutableReturned: d("unroutableReturned"),
      confirmed: d("confirmed"),
      acknowledged: d("acknowledged"),
      rejected: d("rejected"),
      getEmpty: d("getEmpty"),
      connectionsOpened: d("connectionsOpened"),
    }).toEqual({ published: 12, routed: 10, unroutableDropped: 1, unroutableReturned: 1, confirmed: 12, acknowledged: 5, rejected: 1, getEmpty: 1, connectionsOpened: 1 });
    expect(d("delivered")).toBeGreaterThanOrEqual(11);
    expect(d("redelivered")).toBeGreaterThanOrEqual(1);
  });
});

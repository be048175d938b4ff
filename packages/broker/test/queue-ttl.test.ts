/**
 * Queue arguments over raw frames and amqplib: 406 answers with RabbitMQ's texts and the ids of
 * the failing method, message TTL (x-message-ttl, expiration, TTL 0, one timer per queue, expiry
 * at the head), x-expires. (Every answer compared with RabbitMQ's: queue-arguments-conformance.test.ts.)
 */
import { MethodId } from "@amqp-go/protocol";
import { describe, expect, it } from "vitest";
import { channel, rejectsWith, sleep, until, useBroker, withConnection } from "./helpers.js";
import { RawClient } from "./raw-client.js";

const t = useBroker();

async function declareRaw(args: Record<string, unknown>, options: { durable?: boolean } = {}) {
  const c = await RawClient.open(t.port, { heartbeat: 0 });
  try {
    await c.openChannel(1);
    c.send(1, {
      id: MethodId.QueueDeclare,
      queue: "ttl-raw",
      passive: false,
      durable: options.durable ?? false,
      exclusive: false,
      autoDelete: false,
      noWait: false,
      arguments: args as never,
    });
    const f = await c.next();
    return f.type === "method" ? f.method : f;
  } finally {
    c.destroy();
  }
}

describe("queue.declare arguments, raw frames", () => {
  it("x-message-ttl as a string: channel.close 406 with RabbitMQ's text, on queue.declare", async () => {
    expect(await declareRaw({ "x-message-ttl": "abc" })).toMatchObject({
      id: MethodId.ChannelClose,
      replyCode: 406,
      replyText: `PRECONDITION_FAILED - invalid arg 'x-message-ttl' for queue 'ttl-raw' in vhost '/': "expected integer, got longstr"`,
      classId: 50,
      methodId: 10,
    });
  });

  it("x-message-ttl above ten years, x-expires 0, an unknown x-overflow, x-queue-type bogus", async () => {
    const texts = [];
    for (const args of [{ "x-message-ttl": 315_360_000_001 }, { "x-expires": 0 }, { "x-overflow": "bogus" }, { "x-queue-type": "bogus" }]) {
      texts.push(((await declareRaw(args)) as { replyText: string }).replyText);
    }
    expect(texts).toEqual([
      "PRECONDITION_FAILED - invalid arg 'x-message-ttl' for queue 'ttl-raw' in vhost '/': {value_too_large,315360000001}",
      "PRECONDITION_FAILED - invalid arg 'x-expires' for queue 'ttl-raw' in vhost '/': {value_zero,0}",
      "PRECONDITION_FAILED - invalid arg 'x-overflow' for queue 'ttl-raw' in vhost '/': invalid_overflow",
      `PRECONDITION_FAILED - invalid arg 'x-queue-type' for queue 'ttl-raw' in vhost '/': "unsupported queue type 'bogus'"`,
    ]);
  });

  it("quorum: non-durable refused, a durable one declared; stream: refused as unsupported", async () => {
    expect(await declareRaw({ "x-queue-type": "quorum" })).toMatchObject({
      replyText: "PRECONDITION_FAILED - invalid property 'non-durable' for queue 'ttl-raw' in vhost '/'",
    });
    expect(await declareRaw({ "x-queue-type": "quorum", "x-max-priority": 3 }, { durable: true })).toMatchObject({
      replyText: "PRECONDITION_FAILED - invalid arg 'x-max-priority' for queue 'ttl-raw' in vhost '/' of queue type rabbit_quorum_queue",
    });
    expect(await declareRaw({ "x-queue-type": "stream" }, { durable: true })).toMatchObject({
      replyText: `PRECONDITION_FAILED - invalid arg 'x-queue-type' for queue 'ttl-raw' in vhost '/': "unsupported queue type 'stream'"`,
    });
    expect(await declareRaw({ "x-queue-type": "quorum" }, { durable: true })).toMatchObject({ id: MethodId.QueueDeclareOk, queue: "ttl-raw" });
    t.broker.vhosts.get("/")!.removeQueue(t.broker.vhosts.get("/")!.queues.get("ttl-raw")!);
  });

  it("an invalid expiration: channel.close 406 on basic.publish (60/40)", async () => {
    const c = await RawClient.open(t.port, { heartbeat: 0 });
    await c.openChannel(1);
    c.writer.content(1, { id: MethodId.BasicPublish, exchange: "", routingKey: "nowhere", mandatory: false, immediate: false }, { expiration: "10abc" }, Buffer.from("x"));
    c.write(c.writer.take());
    expect(await c.expectMethod(1, MethodId.ChannelClose)).toMatchObject({
      replyCode: 406,
      replyText: `PRECONDITION_FAILED - invalid expiration '10abc': {leftover_string,"abc"}`,
      classId: 60,
      methodId: 40,
    });
    c.destroy();
  });
});

describe("message TTL", () => {
  it("expires messages of an idle queue on time, with no consumer and nothing else happening", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertQueue("ttl-idle", { arguments: { "x-message-ttl": 80 } });
      for (let i = 0; i < 5; i++) ch.sendToQueue("ttl-idle", Buffer.from(String(i)));
      await until(() => t.broker.vhosts.get("/")!.queues.get("ttl-idle")?.messageCount === 5);
      const q = t.broker.vhosts.get("/")!.queues.get("ttl-idle")!;
      await until(() => q.messageCount === 0, 2000);
      expect(q.bytes).toBe(0);
      await ch.deleteQueue("ttl-idle");
    });
  });

  it("uses one timer per queue, not one per message", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertQueue("ttl-timers");
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
      const before = timers();
      for (let i = 0; i < 2000; i++) ch.sendToQueue("ttl-timers", Buffer.from("x"), { expiration: String(60_000 - i) });
      await until(() => t.broker.vhosts.get("/")!.queues.get("ttl-timers")?.messageCount === 2000);
      expect(timers() - before).toBeLessThanOrEqual(1);
      await ch.deleteQueue("ttl-timers");
    });
  });

  it("per-message expiration: only at the head; a consumer never gets an expired message", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertQueue("ttl-head");
      ch.sendToQueue("ttl-head", Buffer.from("soon"), { expiration: "30" });
      ch.sendToQueue("ttl-head", Buffer.from("later"), { expiration: "60000" });
      ch.sendToQueue("ttl-head", Buffer.from("none"));
      await sleep(100);
      const got: string[] = [];
      await ch.consume("ttl-head", (m) => got.push(`${m!.content}:${m!.properties.expiration ?? "-"}`), { noAck: true });
      await until(() => got.length === 2);
      expect(got).toEqual(["later:60000", "none:-"]);
      await ch.deleteQueue("ttl-head");
    });
  });

  it("TTL 0: delivered to a consumer with room, dropped otherwise; basic.get finds nothing", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertQueue("ttl-zero", { arguments: { "x-message-ttl": 0 } });
      ch.sendToQueue("ttl-zero", Buffer.from("dropped"));
      await sleep(50);
      expect(await ch.get("ttl-zero")).toBe(false);
      const got: string[] = [];
      await ch.consume("ttl-zero", (m) => got.push(m!.content.toString()), { noAck: true });
      ch.sendToQueue("ttl-zero", Buffer.from("now"));
      await until(() => got.length === 1);
      expect(got).toEqual(["now"]);
      await ch.deleteQueue("ttl-zero");
    });
  });

  it("the lower of x-message-ttl and expiration applies", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertQueue("ttl-min", { arguments: { "x-message-ttl": 60_000 } });
      ch.sendToQueue("ttl-min", Buffer.from("a"), { expiration: "20" });
      await sleep(80);
      expect((await ch.checkQueue("ttl-min")).messageCount).toBe(0);
      await ch.deleteQueue("ttl-min");
    });
  });
});

describe("x-expires", () => {
  it("deletes a queue unused for that long; a consumer keeps it; basic.get renews it", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertQueue("exp-gone", { arguments: { "x-expires": 100 } });
      await ch.assertQueue("exp-used", { arguments: { "x-expires": 100 } });
      await ch.assertQueue("exp-got", { arguments: { "x-expires": 150 } });
      await ch.consume("exp-used", () => {});
      for (let i = 0; i < 6; i++) {
        await sleep(50);
        await ch.get("exp-got");
      }
      const v = t.broker.vhosts.get("/")!;
      expect([v.queues.has("exp-gone"), v.queues.has("exp-used"), v.queues.has("exp-got")]).toEqual([false, true, true]);
      await until(() => !v.queues.has("exp-got"), 2000);
      await ch.deleteQueue("exp-used");
      await rejectsWith(ch.checkQueue("exp-gone"), 404);
    });
  });
});

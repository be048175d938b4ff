/**
 * Dead-lettering, length limits and quorum delivery limits against the real server: the x-death
 * header's wire types (raw frames), reasons, routing through the dead-letter exchange, cycles,
 * x-overflow with publisher confirms, and the counters behind the metrics.
 */
import { decodeBasicProperties, MethodId } from "@amqp-go/protocol";
import { describe, expect, it } from "vitest";
import { channel, sleep, until, useBroker, withConnection } from "./helpers.js";
import { RawClient } from "./raw-client.js";

const t = useBroker();

/** basic.get-ok's message; get-empty fails the test. */
function got<T>(m: T | false): T {
  if (m === false) throw new Error("basic.get-empty");
  return m;
}
const vhost = () => t.broker.vhosts.get("/")!;

describe("dead-lettering", () => {
  it("x-death over raw frames: count a long, time a timestamp, expiration removed, first-death headers", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertQueue("dl-raw-dlq");
      await ch.assertQueue("dl-raw", { arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dl-raw-dlq", "x-message-ttl": 10 } });
      ch.sendToQueue("dl-raw", Buffer.from("x"), { expiration: "5", headers: { a: 1 } });
      await until(() => vhost().queues.get("dl-raw-dlq")!.messageCount === 1);
    });
    const raw = await RawClient.open(t.port, { heartbeat: 0 });
    await raw.openChannel(1);
    raw.send(1, { id: MethodId.BasicGet, queue: "dl-raw-dlq", noAck: true });
    expect(await raw.expectMethod(1, MethodId.BasicGetOk)).toMatchObject({ exchange: "", routingKey: "dl-raw-dlq" });
    const header = await raw.next();
    if (header.type !== "header") throw new Error("expected a content header");
    const p = header.properties;
    expect(p.includes(Buffer.from("\x05countl\x00\x00\x00\x00\x00\x00\x00\x01", "latin1"))).toBe(true);
    expect(p.includes(Buffer.from("\x04timeT", "latin1"))).toBe(true);
    const props = decodeBasicProperties(p, 0, p.length);
    expect(props.expiration).toBeUndefined();
    expect(Object.keys(props.headers!)).toEqual(["a", "x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason"]);
    const death = (props.headers!["x-death"] as Record<string, unknown>[])[0]!;
    expect(Object.keys(death)).toEqual(["count", "reason", "queue", "time", "exchange", "routing-keys", "original-expiration"]);
    expect(death).toMatchObject({ count: 1, reason: "expired", queue: "dl-raw", exchange: "", "routing-keys": ["dl-raw"], "original-expiration": "5" });
    expect(Math.abs((death.time as Date).getTime() - Date.now())).toBeLessThan(5000);
    raw.destroy();
  });

  it("through a fanout dead-letter exchange, with the message's own routing key; a missing one drops", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertExchange("dl-fan", "fanout");
      await ch.assertQueue("dl-fan-a");
      await ch.assertQueue("dl-fan-b");
      await ch.bindQueue("dl-fan-a", "dl-fan", "");
      await ch.bindQueue("dl-fan-b", "dl-fan", "");
      await ch.assertQueue("dl-src", { arguments: { "x-dead-letter-exchange": "dl-fan" } });
      await ch.assertQueue("dl-lost", { arguments: { "x-dead-letter-exchange": "dl-missing" } });
      ch.sendToQueue("dl-src", Buffer.from("r"));
      ch.sendToQueue("dl-lost", Buffer.from("l"));
      await sleep(50);
      const before = t.broker.deadLetterCounters.unrouted.rejected;
      ch.reject(got(await ch.get("dl-src")), false);
      ch.reject(got(await ch.get("dl-lost")), false);
      await until(() => vhost().queues.get("dl-fan-b")!.messageCount === 1);
      const a = got(await ch.get("dl-fan-a", { noAck: true }));
      expect([a.fields.exchange, a.fields.routingKey, a.properties.headers!["x-first-death-reason"]]).toEqual(["dl-fan", "dl-src", "rejected"]);
      expect(t.broker.deadLetterCounters.unrouted.rejected).toBe(before + 1);
      for (const q of ["dl-fan-a", "dl-fan-b", "dl-src", "dl-lost"]) await ch.deleteQueue(q);
    });
  });

  it("an expiry loop ends (cycle), a reject loop goes on with counts raised", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertQueue("dl-self", { arguments: { "x-dead-letter-exchange": "", "x-message-ttl": 10 } });
      ch.sendToQueue("dl-self", Buffer.from("loop"));
      await sleep(150);
      expect((await ch.checkQueue("dl-self")).messageCount).toBe(0);
      await ch.assertQueue("dl-rej", { arguments: { "x-dead-letter-exchange": "" } });
      ch.sendToQueue("dl-rej", Buffer.from("again"));
      for (let i = 0; i < 3; i++) {
        await until(() => vhost().queues.get("dl-rej")!.messageCount === 1);
        ch.reject(got(await ch.get("dl-rej")), false);
      }
      await until(() => vhost().queues.get("dl-rej")!.messageCount === 1);
      const m = got(await ch.get("dl-rej", { noAck: true }));
      expect((m.properties.headers!["x-death"] as { count: number }[]).map((d) => d.count)).toEqual([3]);
      await ch.deleteQueue("dl-self");
      await ch.deleteQueue("dl-rej");
    });
  });
});

describe("length limits", () => {
  it("reject-publish-dlx: the publish is nacked and dead-lettered as maxlen; the queue keeps the oldest", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await c.createConfirmChannel();
      await ch.assertQueue("ml-dlq");
      await ch.assertQueue("ml-src", {
        arguments: { "x-max-length": 1, "x-overflow": "reject-publish-dlx", "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "ml-dlq" },
      });
      const answers = await Promise.all(
        ["1", "2"].map((b) => new Promise((resolve) => ch.sendToQueue("ml-src", Buffer.from(b), {}, (err) => resolve(err ? "nack" : "ack")))),
      );
      expect(answers).toEqual(["ack", "nack"]);
      await until(() => vhost().queues.get("ml-dlq")!.messageCount === 1);
      const dead = got(await ch.get("ml-dlq", { noAck: true }));
      expect([dead.content.toString(), dead.properties.headers!["x-first-death-reason"]]).toEqual(["2", "maxlen"]);
      expect(got(await ch.get("ml-src", { noAck: true })).content.toString()).toBe("1");
      await ch.deleteQueue("ml-dlq");
      await ch.deleteQueue("ml-src");
    });
  });

  it("x-max-length-bytes counts body octets: drop-head keeps the newest that fit; memory given back", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertQueue("ml-bytes", { arguments: { "x-max-length-bytes": 1000 } });
      for (let i = 0; i < 10; i++) ch.sendToQueue("ml-bytes", Buffer.alloc(300, String(i)));
      await sleep(100);
      const q = vhost().queues.get("ml-bytes")!;
      expect(q.messageCount).toBe(3);
      const first = got(await ch.get("ml-bytes", { noAck: true }));
      expect(first.content[0]).toBe("7".charCodeAt(0));
      await ch.purgeQueue("ml-bytes");
      expect(q.bytes).toBe(0);
      await ch.deleteQueue("ml-bytes");
    });
  });
});

describe("quorum queues (single node)", () => {
  it("x-delivery-count on each redelivery (a long), dead-lettered past x-delivery-limit as delivery_limit", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertQueue("qq-dlq");
      await ch.assertQueue("qq", {
        durable: true,
        arguments: { "x-queue-type": "quorum", "x-delivery-limit": 2, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "qq-dlq" },
      });
      ch.sendToQueue("qq", Buffer.from("q"));
      const counts: unknown[] = [];
      await ch.prefetch(1);
      await ch.consume("qq", (m) => {
        if (m === null) return; // cancelled by the queue's deletion
        counts.push(m!.properties.headers?.["x-delivery-count"]);
        ch.nack(m!, false, true);
      });
      await until(() => vhost().queues.get("qq-dlq")!.messageCount === 1);
      expect(ch.closedWith).toBeUndefined();
      expect(counts).toEqual([undefined, 1, 2]);
      const dead = got(await ch.get("qq-dlq", { noAck: true }));
      expect(dead.properties.headers!["x-delivery-count"]).toBeUndefined();
      expect(dead.properties.headers!["x-first-death-reason"]).toBe("delivery_limit");
      expect(t.broker.deadLetterCounters.quorum.at_most_once.delivery_limit).toBe(1);
      await ch.deleteQueue("qq");
      await ch.deleteQueue("qq-dlq");
    });
  });
});

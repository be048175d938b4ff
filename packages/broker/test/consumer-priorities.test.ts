/**
 * Consumer priorities (x-priority) and single active consumer beyond the RabbitMQ differential
 * (queue-consumers-conformance.test.ts): what happens as prefetch room comes and goes, and on a
 * cancel with deliveries still unacknowledged.
 */
import { describe, expect, it } from "vitest";
import { channel, until, useBroker, withConnection } from "./helpers.js";

const t = useBroker();

describe("consumer priorities", () => {
  it("give the high consumer messages again as soon as it has room", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("", { exclusive: true });
      const high = await channel(c);
      const low = await channel(c);
      await high.prefetch(1);
      await low.prefetch(100);
      const got: string[] = [];
      const held: import("amqplib").ConsumeMessage[] = [];
      await high.consume(queue, (m) => {
        if (m === null) return;
        got.push(`high:${m.content}`);
        held.push(m);
      }, { arguments: { "x-priority": 2 } });
      await low.consume(queue, (m) => m && got.push(`low:${m.content}`), { noAck: true, arguments: { "x-priority": -1 } });
      ch.sendToQueue(queue, Buffer.from("0"));
      ch.sendToQueue(queue, Buffer.from("1"));
      await until(() => got.length === 2);
      high.ack(held.shift()!);
      await high.checkQueue(queue); // the ack is in
      ch.sendToQueue(queue, Buffer.from("2"));
      await until(() => got.length === 3);
      expect(got).toEqual(["high:0", "low:1", "high:2"]);
    });
  });
});

describe("single active consumer", () => {
  it("hands over on basic.cancel: the next consumer gets new messages, the old one keeps its unacked", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("", { exclusive: true, arguments: { "x-single-active-consumer": true } });
      const a = await channel(c);
      const b = await channel(c);
      const got: string[] = [];
      const held: import("amqplib").ConsumeMessage[] = [];
      const { consumerTag } = await a.consume(queue, (m) => {
        if (m === null) return;
        got.push(`a:${m.content}`);
        held.push(m);
      });
      await b.consume(queue, (m) => m && got.push(`b:${m.content}:${m.fields.redelivered}`), { noAck: true });
      ch.sendToQueue(queue, Buffer.from("0"));
      await until(() => got.length === 1);
      await a.cancel(consumerTag);
      ch.sendToQueue(queue, Buffer.from("1"));
      await until(() => got.length === 2);
      a.nack(held[0]!, false, true);
      await until(() => got.length === 3);
      expect(got).toEqual(["a:0", "b:1:false", "b:0:true"]);
      expect((await ch.checkQueue(queue)).consumerCount).toBe(1);
    });
  });
});

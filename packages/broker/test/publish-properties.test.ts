/**
 * What a publish's properties ask of the broker beyond routing: validated user-id, CC/BCC
 * (sender-selected distribution) and direct reply-to, in the cases the RabbitMQ differential
 * (queue-consumers-conformance.test.ts) does not cover: transactions, other connections,
 * cancelled reply consumers, topic exchanges, the server's capabilities.
 */
import { describe, expect, it } from "vitest";
import { channel, rejectsWith, until, useBroker, withConnection } from "./helpers.js";

const t = useBroker();

describe("validated user-id", () => {
  it("closes only the publishing channel, and routes nothing of the refused publish", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("", { exclusive: true });
      const bad = await channel(c);
      bad.publish("", queue, Buffer.from("x"), { userId: "mallory" });
      ch.publish("", queue, Buffer.from("ok"), { userId: "guest" });
      await until(() => bad.closedWith !== undefined);
      expect(bad.closedWith).toEqual({ code: 406, message: expect.stringContaining("user_id property set to 'mallory' but authenticated user was 'guest'") });
      const m = await ch.get(queue, { noAck: true });
      expect(m && [m.content.toString(), m.properties.userId]).toEqual(["ok", "guest"]);
      expect((await ch.checkQueue(queue)).messageCount).toBe(0);
    });
  });
});

describe("sender-selected distribution", () => {
  it("routes CC and BCC copies through a topic exchange, once per queue, and keeps CC", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const q = async (key: string) => {
        const { queue } = await ch.assertQueue("", { exclusive: true });
        await ch.bindQueue(queue, "amq.topic", key);
        return queue;
      };
      const [a, b, all] = [await q("orders.a"), await q("orders.b"), await q("orders.*")];
      const got = new Map<string, { key: string; headers: string[] }[]>();
      for (const queue of [a, b, all]) {
        got.set(queue, []);
        await ch.consume(queue, (m) => m && got.get(queue)!.push({ key: m.fields.routingKey, headers: Object.keys(m.properties.headers ?? {}) }), { noAck: true });
      }
      ch.publish("amq.topic", "orders.a", Buffer.from("m"), { headers: { CC: ["orders.b", 7], BCC: ["nowhere"] } });
      await until(() => got.get(a)!.length + got.get(b)!.length + got.get(all)!.length === 3);
      for (const queue of [a, b, all]) expect(got.get(queue)).toEqual([{ key: "orders.a", headers: ["CC"] }]);
    });
  });

  it("refuses a BCC that is not an array", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      ch.publish("amq.direct", "k", Buffer.from("m"), { headers: { BCC: true } });
      await until(() => ch.closedWith !== undefined);
      expect(ch.closedWith!.message).toContain('PRECONDITION_FAILED - invalid message: {unacceptable_type_in_header,"BCC",bool}');
    });
  });
});

describe("direct reply-to", () => {
  it("advertises direct_reply_to and consumer_priorities", async () => {
    await withConnection(t.url, async (c) => {
      const caps = (c.connection as unknown as { serverProperties: { capabilities: Record<string, boolean> } }).serverProperties.capabilities;
      expect([caps.direct_reply_to, caps.consumer_priorities]).toEqual([true, true]);
    });
  });

  it("answers from another connection, and stops once the reply consumer is cancelled", async () => {
    await withConnection(t.url, async (client) => {
      const ch = await channel(client);
      const { queue } = await ch.assertQueue("rpc-requests", { autoDelete: true });
      const replies: string[] = [];
      const { consumerTag } = await ch.consume("amq.rabbitmq.reply-to", (m) => m && replies.push(`${m.content}:${m.properties.correlationId}`), { noAck: true });
      await withConnection(t.url, async (server) => {
        const sch = await channel(server);
        await sch.consume(queue, (m) => m && sch.publish("", m.properties.replyTo as string, Buffer.from(`re-${m.content}`), { correlationId: m.properties.correlationId }), { noAck: true });
        for (let i = 0; i < 3; i++) ch.sendToQueue(queue, Buffer.from(String(i)), { replyTo: "amq.rabbitmq.reply-to", correlationId: `c${i}` });
        await until(() => replies.length === 3);
        expect(replies).toEqual(["re-0:c0", "re-1:c1", "re-2:c2"]);
        await ch.cancel(consumerTag);
        ch.sendToQueue(queue, Buffer.from("late"), { replyTo: "amq.rabbitmq.reply-to" });
        await until(() => ch.closedWith !== undefined);
        expect(ch.closedWith).toEqual({ code: 406, message: expect.stringContaining("PRECONDITION_FAILED - fast reply consumer does not exist") });
      });
    });
  });

  it("makes the reply name unknown once the channel closes, and refuses a tag the channel uses", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.consume("amq.rabbitmq.reply-to", () => {}, { noAck: true, consumerTag: "rpc" });
      const { queue } = await ch.assertQueue("", { exclusive: true });
      ch.sendToQueue(queue, Buffer.from("req"), { replyTo: "amq.rabbitmq.reply-to" });
      const req = await ch.get(queue, { noAck: true });
      const name = req && (req.properties.replyTo as string);
      expect(name).toMatch(/^amq\.rabbitmq\.reply-to\.[A-Za-z0-9_-]{32}$/);
      const other = await channel(c);
      expect((await other.checkQueue(name as string)).consumerCount).toBe(1);
      await ch.close();
      await rejectsWith(other.checkQueue(name as string), 404);
      const ch2 = await channel(c);
      await ch2.consume("amq.rabbitmq.reply-to", () => {}, { noAck: true, consumerTag: "rpc" });
      let closed: { code?: number; message: string } | null = null;
      c.on("error", (e: Error & { code?: number }) => (closed = e));
      await expect(ch2.consume(queue, () => {}, { consumerTag: "rpc" })).rejects.toThrow();
      await until(() => closed !== null);
      expect(closed!.code).toBe(530);
      expect(closed!.message).toContain("NOT_ALLOWED - attempt to reuse consumer tag 'rpc'");
    });
  });
});

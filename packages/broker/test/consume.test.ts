import type { ConsumeMessage } from "amqplib";
import { describe, expect, it } from "vitest";
import { channel, rejectsWith, until, useBroker, withConnection } from "./helpers.js";

const t = useBroker();

const bodies = (ms: ConsumeMessage[]) => ms.map((m) => m.content.toString());

/** Publishes "from".."from+n-1"; resolves once they are routed and delivered (a channel handles its frames in order). */
async function publishAll(ch: Awaited<ReturnType<typeof channel>>, queue: string, n: number, from = 1): Promise<void> {
  for (let i = from; i < from + n; i++) ch.sendToQueue(queue, Buffer.from(String(i)));
  await ch.checkQueue(queue);
}

describe("queues", () => {
  it("server-named queues, counts in declare-ok, purge and delete", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const ok = await ch.assertQueue("", { exclusive: true });
      expect(ok.queue).toMatch(/^amq\.gen-[A-Za-z0-9_-]{22}$/);
      await publishAll(ch, ok.queue, 3);
      await ch.consume(ok.queue, () => {}, { noAck: false, consumerTag: "holder" });
      const again = await ch.checkQueue(ok.queue);
      expect(again.consumerCount).toBe(1);
      // A server-named queue has the reserved prefix: only passive declares may name it (as RabbitMQ).
      await rejectsWith((await channel(c)).assertQueue(ok.queue, { exclusive: true }), 403);
      await ch.cancel("holder");
      await ch.recover(); // recover-ok comes after the requeue
      expect((await ch.checkQueue(ok.queue)).messageCount).toBe(3);
      expect((await ch.purgeQueue(ok.queue)).messageCount).toBe(3);
      await publishAll(ch, ok.queue, 2);
      expect((await ch.deleteQueue(ok.queue)).messageCount).toBe(2);
      await rejectsWith(ch.checkQueue(ok.queue), 404);
    });
  });

  it("delete if-unused and if-empty are refused with 406", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("guarded", { exclusive: true });
      await ch.consume(queue, () => {}, { consumerTag: "c1" });
      await rejectsWith(ch.deleteQueue(queue, { ifUnused: true }), 406);
      const ch2 = await channel(c);
      ch2.sendToQueue(queue, Buffer.from("x"));
      await rejectsWith(ch2.deleteQueue(queue, { ifEmpty: true }), 406);
    });
  });

  it("an exclusive queue is another connection's 405, and goes with its connection", async () => {
    const name = "mine-only";
    await withConnection(t.url, async (owner) => {
      const ch = await channel(owner);
      await ch.assertQueue(name, { exclusive: true });
      await withConnection(t.url, async (other) => {
        for (const op of [
          (x: Awaited<ReturnType<typeof channel>>) => x.assertQueue(name, { exclusive: true }),
          (x: Awaited<ReturnType<typeof channel>>) => x.consume(name, () => {}),
          (x: Awaited<ReturnType<typeof channel>>) => x.get(name),
          (x: Awaited<ReturnType<typeof channel>>) => x.purgeQueue(name),
          (x: Awaited<ReturnType<typeof channel>>) => x.deleteQueue(name),
          (x: Awaited<ReturnType<typeof channel>>) => x.bindQueue(name, "amq.direct", "k"),
        ]) {
          await rejectsWith(op(await channel(other)), 405);
        }
      });
    });
    await withConnection(t.url, async (c) => {
      await rejectsWith((await channel(c)).checkQueue(name), 404);
    });
  });

  it("an auto-delete queue goes when its last consumer cancels", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertQueue("ad-queue", { autoDelete: true });
      await ch.consume("ad-queue", () => {}, { consumerTag: "a" });
      await ch.consume("ad-queue", () => {}, { consumerTag: "b" });
      await ch.cancel("a");
      await ch.checkQueue("ad-queue");
      await ch.cancel("b");
      await rejectsWith(ch.checkQueue("ad-queue"), 404);
    });
  });

  it("consumers of a deleted queue get basic.cancel", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertQueue("doomed", { exclusive: true });
      const cancelled = new Promise<null>((resolve) => void ch.consume("doomed", (m) => m === null && resolve(m)));
      await (await channel(c)).deleteQueue("doomed");
      expect(await cancelled).toBeNull();
    });
  });
});

describe("consumers", () => {
  it("round-robin among consumers; server-named and client-named tags", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("rr", { exclusive: true });
      const a: string[] = [];
      const b: string[] = [];
      const ok = await ch.consume(queue, (m) => m && a.push(m.content.toString()), { noAck: true });
      expect(ok.consumerTag).toMatch(/^amq\.ctag-/);
      expect((await ch.consume(queue, (m) => m && b.push(m.content.toString()), { noAck: true, consumerTag: "mine" })).consumerTag).toBe("mine");
      await publishAll(ch, queue, 6);
      expect(a).toEqual(["1", "3", "5"]);
      expect(b).toEqual(["2", "4", "6"]);
    });
  });

  it("exclusive consumers: 403 both ways", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("excl-consume", { exclusive: true });
      await ch.consume(queue, () => {}, { exclusive: true });
      await rejectsWith((await channel(c)).consume(queue, () => {}), 403);
      const { queue: q2 } = await ch.assertQueue("excl-consume-2", { exclusive: true });
      await ch.consume(q2, () => {});
      await rejectsWith((await channel(c)).consume(q2, () => {}, { exclusive: true }), 403);
    });
  });

  it("prefetch per consumer: no more than prefetch-count unacknowledged", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("pf", { exclusive: true });
      await ch.prefetch(3);
      const got: ConsumeMessage[] = [];
      await ch.consume(queue, (m) => m && got.push(m));
      await publishAll(ch, queue, 10);
      expect(bodies(got)).toEqual(["1", "2", "3"]);
      ch.ack(got[1]!);
      await ch.checkQueue(queue); // answered after the deliveries the ack made room for
      expect(got.length).toBe(4);
      ch.ack(got[3]!, true); // acks 1..4 (multiple)
      await ch.checkQueue(queue);
      expect(bodies(got)).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    });
  });

  it("prefetch global: one window for the whole channel", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue: q1 } = await ch.assertQueue("pfg1", { exclusive: true });
      const { queue: q2 } = await ch.assertQueue("pfg2", { exclusive: true });
      await ch.prefetch(4, true);
      const got: ConsumeMessage[] = [];
      await ch.consume(q1, (m) => m && got.push(m));
      await ch.consume(q2, (m) => m && got.push(m));
      await publishAll(ch, q1, 3);
      await publishAll(ch, q2, 3);
      expect(got.length).toBe(4);
      ch.ackAll();
      await ch.checkQueue(q2); // answered after the deliveries the acks made room for
      expect(got.length).toBe(6);
    });
  });

  it("nack and reject with requeue: redelivered, back at their place at the head", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("requeue", { exclusive: true });
      await publishAll(ch, queue, 5);
      const first: ConsumeMessage[] = [];
      const { consumerTag } = await ch.consume(queue, (m) => m && first.push(m));
      await ch.checkQueue(queue); // consume-ok precedes the deliveries; this answer follows them
      expect(bodies(first)).toEqual(["1", "2", "3", "4", "5"]);
      await ch.cancel(consumerTag);
      ch.nack(first[1]!, false, true); // 2
      ch.reject(first[3]!, true); // 4
      ch.ack(first[0]!);
      ch.nack(first[2]!, false, false); // 3 dropped
      const again: ConsumeMessage[] = [];
      await ch.consume(queue, (m) => m && again.push(m), { noAck: true }); // handled after the nacks
      await ch.checkQueue(queue);
      expect(bodies(again)).toEqual(["2", "4"]);
      expect(again.every((m) => m.fields.redelivered)).toBe(true);
      ch.nack(first[4]!, true, true); // 5, multiple
      await ch.checkQueue(queue);
      expect(bodies(again)).toEqual(["2", "4", "5"]);
    });
  });

  it("requeued messages go before newer ones", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("order", { exclusive: true });
      await ch.prefetch(2);
      const got: ConsumeMessage[] = [];
      const { consumerTag } = await ch.consume(queue, (m) => m && got.push(m));
      await publishAll(ch, queue, 5);
      await ch.cancel(consumerTag);
      ch.nackAll(true);
      const m = await ch.get(queue, { noAck: true }); // handled after the nacks
      expect(m && m.content.toString()).toBe("1");
      expect(m && m.fields.redelivered).toBe(true);
    });
  });

  it("unknown and double acks close the channel with 406", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("acks", { exclusive: true });
      ch.sendToQueue(queue, Buffer.from("x"));
      const m = await ch.get(queue); // handled after the publish
      expect(m).not.toBe(false);
      ch.ack(m as unknown as ConsumeMessage);
      ch.ack(m as unknown as ConsumeMessage);
      await until(() => ch.closedWith !== undefined);
      expect(ch.closedWith?.code).toBe(406);
      expect(ch.closedWith?.message).toContain("unknown delivery tag 1");
      const fresh = await channel(c);
      await fresh.checkQueue(queue);
    });
  });

  it("basic.get: get-ok with message count, get-empty", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("getter", { exclusive: true });
      expect(await ch.get(queue)).toBe(false);
      await publishAll(ch, queue, 3);
      const m = await ch.get(queue);
      expect(m && m.content.toString()).toBe("1");
      expect(m && m.fields.messageCount).toBe(2);
      ch.reject(m as unknown as ConsumeMessage, true);
      const again = await ch.get(queue, { noAck: true });
      expect(again && again.content.toString()).toBe("1");
      expect(again && again.fields.redelivered).toBe(true);
    });
  });

  it("basic.recover requeues every unacknowledged delivery", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("recover", { exclusive: true });
      const got: ConsumeMessage[] = [];
      await ch.consume(queue, (m) => m && got.push(m));
      await publishAll(ch, queue, 2);
      await ch.recover(); // recover-ok comes after the redeliveries
      expect(bodies(got)).toEqual(["1", "2", "1", "2"]);
      expect(got.slice(2).every((m) => m.fields.redelivered)).toBe(true);
    });
  });

  it("unacknowledged messages come back when their channel closes", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("closer", { exclusive: true });
      await ch.consume(queue, () => {});
      await publishAll(ch, queue, 2);
      await ch.close();
      const ch2 = await channel(c);
      expect((await ch2.checkQueue(queue)).messageCount).toBe(2);
    });
  });

  it("a message larger than frame_max arrives whole, in order with small ones", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("big", { exclusive: true });
      const big = Buffer.alloc(1_000_000);
      for (let i = 0; i < big.length; i++) big[i] = i % 251;
      const got: Buffer[] = [];
      await ch.consume(queue, (m) => m && got.push(m.content), { noAck: true });
      ch.sendToQueue(queue, Buffer.from("small"));
      ch.sendToQueue(queue, big);
      ch.sendToQueue(queue, Buffer.alloc(0));
      await ch.checkQueue(queue);
      expect(got.length).toBe(3);
      expect(got[1]!.equals(big)).toBe(true);
      expect(got[2]!.length).toBe(0);
    });
  });
});

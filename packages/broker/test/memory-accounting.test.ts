/**
 * Honest memory accounting: what the memory alarm counts for a held message (`Message.size`:
 * content plus OVERHEAD) is what the process really holds for it, and a transaction's uncommitted
 * publishes count too, so that they raise the alarm.
 */
import amqp from "amqplib";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { MethodId } from "@amqp-go/protocol";
import { describe, expect, it } from "vitest";
import { channel, useBroker, withConnection } from "./helpers.js";

setFlagsFromString("--expose_gc");
const gc = runInNewContext("gc") as () => void;

/** V8 heap used plus external memory, after full collections (freed buffers' finalizers run between). */
async function held(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

describe("a queued message's counted size", () => {
  const t = useBroker({ memoryHighWatermark: Number.MAX_SAFE_INTEGER });

  // Measured on Node 20 (per message, content 33 / 1041 octets): heap 340-355 / 355, external
  // 44 / 1190, RSS 554 / 1667; counted 545 / 1553. The count follows RSS, the memory that gets a
  // process killed, so it is at most 1.5x heap + external (tiny messages: RSS also holds the heap's
  // pages and malloc's slack) and never much below it.
  for (const [bodySize, n] of [
    [16, 60_000],
    [1024, 20_000],
  ] as const) {
    it(`is what a ${bodySize} B message takes in the V8 heap and external memory, within 0.9-1.5x`, async () => {
      const queue = `accounting-${bodySize}`;
      await withConnection(t.url, async (c) => {
        const ch = await channel(c);
        await ch.assertQueue(queue, { durable: false });
        const q = t.broker.vhosts.get("/")!.queues.get(queue)!;
        const body = Buffer.alloc(bodySize, 0x61);
        const before = await held();
        for (let i = 0; i < n; i++) {
          if (!ch.sendToQueue(queue, body, { contentType: "text/plain" })) await new Promise((r) => ch.once("drain", r));
        }
        await expect.poll(() => q.messageCount, { timeout: 20_000 }).toBe(n);
        const grown = (await held()) - before;
        const ratio = q.bytes / grown;
        const figures = `counted ${Math.round(q.bytes / n)}, measured ${Math.round(grown / n)} octets a message`;
        expect(ratio, figures).toBeGreaterThan(0.9);
        expect(ratio, figures).toBeLessThan(1.5);
        await ch.deleteQueue(queue);
      });
      expect(t.broker.memory.bytes).toBe(0);
    });
  }
});

describe("a transaction's uncommitted publishes", () => {
  const WATERMARK = 4 * 1024 * 1024;
  const t = useBroker({ memoryHighWatermark: WATERMARK });
  type TxChannel = { rpc(method: number, fields: object, expect: number): Promise<unknown> };
  const tx = (ch: unknown, method: "TxSelect" | "TxCommit" | "TxRollback") => (ch as TxChannel).rpc(MethodId[method], {}, MethodId[`${method}Ok`]);
  const body = Buffer.alloc(1024, 0x62);

  it("count while held, move to the queue on commit, are uncounted on rollback", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("tx-held", { exclusive: true });
      const q = t.broker.vhosts.get("/")!.queues.get(queue)!;
      await tx(ch, "TxSelect");
      for (let i = 0; i < 100; i++) ch.sendToQueue(queue, body);
      await ch.checkQueue(queue); // answered after the publishes were handled
      const counted = t.broker.memory.bytes;
      expect(counted).toBeGreaterThan(100 * (1024 + 512));
      expect([q.messageCount, q.bytes]).toEqual([0, 0]);
      await tx(ch, "TxCommit");
      expect([q.messageCount, q.bytes, t.broker.memory.bytes]).toEqual([100, counted, counted]);
      for (let i = 0; i < 50; i++) ch.sendToQueue(queue, body);
      await ch.checkQueue(queue);
      expect(t.broker.memory.bytes).toBe(counted * 1.5);
      await tx(ch, "TxRollback");
      expect(t.broker.memory.bytes).toBe(counted);
      for (let i = 0; i < 50; i++) ch.sendToQueue(queue, body);
      await ch.checkQueue(queue);
      await ch.close(); // held publishes go with the channel
      expect(t.broker.memory.bytes).toBe(counted);
    });
    // the exclusive queue went with its connection
    expect(t.broker.memory.bytes).toBe(0);
  });

  it("raise the memory alarm: the publisher gets connection.blocked; closing it gives the memory back", async () => {
    const c = await amqp.connect(t.url);
    c.on("error", () => {});
    const blocked = new Promise<string>((resolve) => c.once("blocked", resolve));
    let isBlocked = false;
    void blocked.then(() => (isBlocked = true));
    const ch = await channel(c);
    const { queue } = await ch.assertQueue("tx-blocked");
    await tx(ch, "TxSelect");
    let sent = 0;
    while (!isBlocked && sent < 100_000) {
      if (!ch.sendToQueue(queue, body)) await Promise.race([new Promise((r) => ch.once("drain", r)), blocked]);
      sent++;
    }
    expect(await blocked).toBe("low on memory");
    expect([t.broker.memory.alarmed, t.broker.memory.reason]).toEqual([true, "messages"]);
    expect(t.broker.memory.bytes).toBeGreaterThan(WATERMARK);
    expect(sent * (1024 + 512)).toBeGreaterThan(WATERMARK);
    const q = t.broker.vhosts.get("/")!.queues.get(queue)!;
    expect(q.messageCount).toBe(0); // nothing was committed
    // A blocked connection is not read, so its own close would wait: the broker closes it (320).
    const closed = new Promise((resolve) => c.once("close", resolve));
    expect(t.broker.closeConnectionsOf("guest")).toBe(1);
    expect([t.broker.memory.bytes, t.broker.memory.alarmed]).toEqual([0, false]);
    await closed;
  });
});

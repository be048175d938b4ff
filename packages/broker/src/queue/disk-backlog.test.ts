import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryMonitor } from "../memory.js";
import { Message } from "../message.js";
import { silentLogger } from "../ports.js";
import { MessageStore } from "../store/message-store.js";
import { StorageStats } from "@amqp-go/storage";
import { DiskBacklog } from "./disk-backlog.js";
import { Queue } from "./queue.js";
import type { QueueEntry } from "./queue-entry.js";
import { BacklogModel, backlogOps } from "../../test/backlog-model.js";

const dirs: string[] = [];
const stores: MessageStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close(() => 0);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const options = { durable: true, exclusive: false, autoDelete: false, arguments: {} };
/** delivery-mode 2: persistent. */
const message = (n: number) => new Message("", "q", Buffer.from([0x10, 0x00, 0x02]), Buffer.from(String(n).padStart(6, "0")));
const SIZE = message(0).size;

/** A durable queue over a fresh data directory whose backlog keeps `budget` messages in memory; the rest only on disk. */
async function durableQueue(budget: number) {
  const dir = mkdtempSync(join(tmpdir(), "amqp-go-disk-backlog-"));
  dirs.push(dir);
  const { store } = await MessageStore.open(dir, { segmentSize: 64 * 1024 }, silentLogger, [], 1);
  stores.push(store);
  const memory = new MemoryMonitor(Number.MAX_SAFE_INTEGER);
  const queue = new Queue("q", "/", options, null, memory);
  const qs = store.createQueueStore("/q");
  const stats = new StorageStats();
  queue.attachStore(qs, new DiskBacklog(queue, qs, budget * SIZE, silentLogger, stats));
  return { queue, store, memory, stats };
}

/** basic.get, waiting for reads from disk (and the delivery lease) as a client's get would. */
async function get(queue: Queue): Promise<QueueEntry | undefined> {
  for (let i = 0; i < 50; i++) {
    const e = queue.fetch(false);
    if (e !== undefined || queue.messageCount === 0) return e;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 200);
      queue.afterRead(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  throw new Error(`no message came in from disk (${queue.messageCount} ready)`);
}

describe("a durable queue's backlog (DiskBacklog)", () => {
  it("matches a sorted model under any publishes, gets, acks, requeues and purges, with most messages only on disk", async () => {
    let diskReads = 0;
    await fc.assert(
      fc.asyncProperty(backlogOps(12, 60), fc.integer({ min: 1, max: 4 }), async (ops, budget) => {
        const { queue, store, memory, stats } = await durableQueue(budget);
        const model = new BacklogModel(queue);
        for (const o of ops) {
          if (o.kind === "publish") for (let i = 0; i < o.count; i++) store.publish(message(model.publish()), [queue], 1);
          else if (o.kind === "get") model.got(await get(queue));
          else model.apply(o);
          model.check();
        }
        // everything left comes out in order, and then memory holds only the unacked deliveries
        while (model.ready.size > 0) model.got(await get(queue));
        expect(await get(queue)).toBeUndefined();
        for (const e of model.unacked.splice(0)) queue.settle(e, null);
        expect(queue.bytes).toBe(0);
        expect(memory.bytes).toBe(0);
        diskReads += stats.diskReads;
      }),
      { numRuns: 25 },
    );
    // the runs read messages back from disk, not only from the tail in memory
    expect(diskReads).toBeGreaterThan(0);
  }, 60_000);
});

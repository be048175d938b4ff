/**
 * `pnpm bench`: the segment tier with 256-byte messages.
 *   append: MESSAGES appends, then flush(): group commit, one write (+ fdatasync) per batch
 *   read:   a sequential pass over a backlog of BACKLOG messages with readBatch (1 MiB reads)
 *   ack:    MESSAGES acks, then the ack flush (one roaring delta record per segment)
 * msg/s = hz x MESSAGES (or x BACKLOG for the read).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, bench, describe } from "vitest";
import { SegmentStore } from "./segment-store.js";
import type { SegmentPosition } from "./segment-position.js";

const MESSAGES = 10_000;
const BACKLOG = 100_000;
const BODY = Buffer.alloc(256, 0x61);
const dirs: string[] = [];
const stores: SegmentStore[] = [];
async function open(o: Parameters<typeof SegmentStore.open>[1]): Promise<SegmentStore> {
  const d = mkdtempSync(join(tmpdir(), "segment-bench-"));
  dirs.push(d);
  const s = await SegmentStore.open(d, { ackFlushIntervalMs: 0, ...o });
  stores.push(s);
  return s;
}
afterAll(async () => {
  for (const s of stores) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function appendAll(store: SegmentStore, n: number): Promise<SegmentPosition[]> {
  const positions: SegmentPosition[] = new Array(n);
  for (let i = 0; i < n; i++) positions[i] = store.append(BODY);
  await store.flush();
  return positions;
}

describe("append 10k x 256 B", () => {
  let synced: SegmentStore | undefined;
  let unsynced: SegmentStore | undefined;
  bench(
    "fdatasync per batch",
    async () => {
      synced ??= await open({});
      await appendAll(synced, MESSAGES);
    },
    { time: 2000 },
  );
  bench(
    "no sync (page cache)",
    async () => {
      unsynced ??= await open({ sync: false });
      await appendAll(unsynced, MESSAGES);
    },
    { time: 2000 },
  );
});

describe("sequential read of a 100k x 256 B backlog", () => {
  const stores = new Map<boolean, SegmentStore>();
  for (const verifyReads of [true, false]) {
    bench(
      verifyReads ? "readBatch, 1 MiB reads, crc32 checked" : "readBatch, 1 MiB reads, verifyReads: false",
      async () => {
        let store = stores.get(verifyReads);
        if (store === undefined) {
          store = await open({ sync: false, verifyReads, segmentSize: 8 * 1024 * 1024 });
          stores.set(verifyReads, store);
          await appendAll(store, BACKLOG);
        }
        let n = 0;
        let cursor: SegmentPosition | undefined;
        for (;;) {
          const b = await store.readBatch(cursor);
          if (b.messages.length === 0) break;
          n += b.messages.length;
          cursor = b.next;
        }
        if (n !== BACKLOG) throw new Error(`read ${n}`);
      },
      { time: 2000 },
    );
  }
});

describe("ack 10k", async () => {
  // appended while the suite is collected, so no sample pays for it; acked round and round
  const store = await open({ autoReclaim: false });
  const positions = await appendAll(store, 30 * MESSAGES);
  let next = 0;
  bench(
    "ack + ack flush (fdatasync)",
    async () => {
      for (let i = next; i < next + MESSAGES; i++) store.ack(positions[i] as SegmentPosition);
      next = (next + MESSAGES) % positions.length;
      await store.flushAcks();
    },
    { time: 1000 },
  );
});

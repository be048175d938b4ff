/**
 * The calls a broker with its own write-ahead log makes: appends without a sync each, a sync at
 * its checkpoints, a store made at once for a new queue, re-appends under their old sequence
 * numbers at recovery, and a purge of messages that are only on disk.
 */
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { SegmentStore } from "./segment-store.js";

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "segment-wal-mode-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function seqs(store: SegmentStore): Promise<number[]> {
  const out: number[] = [];
  for await (const m of store.iterate()) out.push(m.position.seq);
  return out;
}

describe("SegmentStore for a caller with a write-ahead log", () => {
  it("createSync opens an empty directory at once and refuses one with files", async () => {
    const dir = await tempDir();
    const store = SegmentStore.createSync(join(dir, "q"), { ackFlushIntervalMs: 0 });
    const p = store.append(Buffer.from("a"));
    expect(p).toEqual({ segmentId: 0, index: 0, seq: 0 });
    await store.close();
    const reopened = await SegmentStore.open(join(dir, "q"), { ackFlushIntervalMs: 0 });
    expect(await seqs(reopened)).toEqual([0]);
    await reopened.close();
    await writeFile(join(dir, "full"), "x");
    expect(() => SegmentStore.createSync(dir)).toThrow(/not empty/);
  });

  it("syncData makes unsynced appends durable and survives a reopen", async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { syncAppends: false, ackFlushIntervalMs: 0 });
    for (let i = 0; i < 1000; i++) store.append(Buffer.alloc(100, i));
    await store.syncData();
    expect(store.durableSeq).toBe(999);
    await store.syncData(); // nothing new: a no-op
    await store.close();
    const again = await SegmentStore.open(dir, { ackFlushIntervalMs: 0 });
    expect(again.recovery.unacknowledged).toBe(1000);
    await again.close();
  });

  it("append at a sequence above the next starts a segment there, and the numbers survive a reopen", async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { ackFlushIntervalMs: 0 });
    store.append(Buffer.from("0"));
    store.append(Buffer.from("1"));
    const p = store.append(Buffer.from("10"), 10);
    expect(p.seq).toBe(10);
    expect(p.segmentId).toBe(1);
    expect(store.append(Buffer.from("11")).seq).toBe(11);
    expect(() => store.append(Buffer.from("x"), 5)).toThrow(RangeError);
    await store.close();
    const again = await SegmentStore.open(dir, { ackFlushIntervalMs: 0 });
    expect(await seqs(again)).toEqual([0, 1, 10, 11]);
    expect(again.nextSeq).toBe(12);
    await again.close();
  });

  it("ackRange acknowledges a run across segments, skipping ones already acknowledged, durably", async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { segmentSize: 1024, ackFlushIntervalMs: 0, autoReclaim: false });
    const positions = Array.from({ length: 200 }, (_, i) => store.append(Buffer.alloc(40, i)));
    expect(store.segments().length).toBeGreaterThan(3);
    store.ack(positions[60]!);
    // purge [50, 150): 99 newly acked (60 already was)
    expect(store.ackRange(positions[50]!, 150)).toBe(99);
    await store.flush();
    await store.flushAcks();
    const left = await seqs(store);
    expect(left).toEqual([...Array.from({ length: 50 }, (_, i) => i), ...Array.from({ length: 50 }, (_, i) => 150 + i)]);
    await store.close();
    const again = await SegmentStore.open(dir, { ackFlushIntervalMs: 0, autoReclaim: false });
    expect(await seqs(again)).toEqual(left);
    await again.close();
    expect((await readdir(dir)).some((n) => n.endsWith(".ack"))).toBe(true);
  });
});

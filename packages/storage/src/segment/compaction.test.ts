import { copyFile, mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { CompactionResult } from "./compaction.js";
import { SegmentStore, type SegmentStoreOptions } from "./segment-store.js";
import type { SegmentPosition } from "./segment-position.js";

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "compaction-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function open(dir: string, o: SegmentStoreOptions = {}): Promise<SegmentStore> {
  const store = await SegmentStore.open(dir, { ackFlushIntervalMs: 0, segmentSize: 600, compactRatio: 2, ...o });
  onTestFinished(() => store.close());
  return store;
}

async function payloads(store: SegmentStore): Promise<string[]> {
  const out: string[] = [];
  for await (const m of store.iterate()) out.push(m.payload.toString());
  return out;
}

/** 60 messages over a few segments; every message of segment 0 acked except `keep` (indexes). */
async function setup(dir: string, keep: number[], o: SegmentStoreOptions = {}) {
  const store = await open(dir, o);
  const p = Array.from({ length: 60 }, (_, i) => store.append(Buffer.from(`message-${i}`)));
  await store.flush();
  const seg0 = p.filter((x) => x.segmentId === 0);
  expect(seg0.length).toBeGreaterThan(20);
  for (const x of seg0) if (!keep.includes(x.index)) store.ack(x);
  const expected = p.filter((x) => x.segmentId !== 0 || keep.includes(x.index)).map((x) => `message-${x.seq}`);
  return { store, p, seg0, expected };
}

const SEG0 = "seg-0000000000000000.dat";

describe("compaction", () => {
  it("keeps exactly the unacknowledged messages, in order, and maps old positions to new", async () => {
    const dir = await tempDir();
    const { store, seg0, expected } = await setup(dir, [3, 11, 17]);
    const before = (await stat(join(dir, SEG0))).size;
    const r = (await store.compact(0)) as CompactionResult;
    expect(r.moved.map((m) => m.from)).toEqual([seg0[3], seg0[11], seg0[17]]);
    expect(r.moved.map((m) => m.to)).toEqual([0, 1, 2].map((i) => ({ segmentId: 0, index: i, seq: (seg0[[3, 11, 17][i] as number] as SegmentPosition).seq })));
    expect(r).toMatchObject({ generation: 1, removed: seg0.length - 3, bytesBefore: before });
    expect((await stat(join(dir, SEG0))).size).toBe(r.bytesAfter);
    expect(r.bytesAfter).toBeLessThan(before / 4);
    expect(await payloads(store)).toEqual(expected);
    // positions from before the compaction still work: they resolve by seq
    expect((await store.read(seg0[11] as SegmentPosition))?.toString()).toBe("message-11");
    expect((await store.read(r.moved[1]?.to as SegmentPosition))?.toString()).toBe("message-11");
    expect(await store.read(seg0[12] as SegmentPosition)).toBeUndefined();
    expect(store.ack(seg0[11] as SegmentPosition)).toBe(true);
    await store.close();
    const again = await open(dir);
    expect(again.recovery.ackFiles.discarded).toBe(0);
    expect(await payloads(again)).toEqual(expected.filter((m) => m !== "message-11"));
    expect(again.ack(seg0[17] as SegmentPosition)).toBe(true);
    expect(again.isAcked(seg0[17] as SegmentPosition)).toBe(true);
  });

  it("runs by itself once a sealed segment is mostly acknowledged", async () => {
    const dir = await tempDir();
    const results: CompactionResult[] = [];
    const { store, expected } = await setup(dir, [5], { compactRatio: 0.9, onCompact: (r) => results.push(r) });
    await store.flushAcks();
    await store.reclaim();
    expect(results.map((r) => r.moved.length)).toEqual([1]);
    expect(store.segments()[0]).toMatchObject({ segmentId: 0, messages: 1, acked: 0, compacted: true });
    expect(await payloads(store)).toEqual(expected);
  });

  it("never compacts the head", async () => {
    const store = await open(await tempDir(), { segmentSize: 1 << 20 });
    const p = Array.from({ length: 10 }, () => store.append(Buffer.from("x")));
    for (const x of p.slice(1)) store.ack(x);
    await store.flush();
    expect(await store.compact(0)).toBeNull();
  });

  it("applies acks that arrive while the compaction runs", async () => {
    const dir = await tempDir();
    const { store, seg0, expected } = await setup(dir, [2, 4, 6, 8]);
    const running = store.compact(0);
    store.ack(seg0[2] as SegmentPosition); // before the copy
    await new Promise((r) => setImmediate(r));
    store.ack(seg0[4] as SegmentPosition);
    await new Promise((r) => setTimeout(r, 1));
    store.ack(seg0[6] as SegmentPosition);
    const r = (await running) as CompactionResult;
    store.ack(seg0[8] as SegmentPosition); // after: by its old position
    const left = expected.filter((m) => !["message-2", "message-4", "message-6", "message-8"].includes(m));
    expect(await payloads(store)).toEqual(left);
    expect(r.moved.length).toBeLessThanOrEqual(4);
    await store.close();
    expect(await payloads(await open(dir))).toEqual(left);
  });

  it("recovers from a crash between the data rename and the ack-file rename", async () => {
    const dir = await tempDir();
    const { store, seg0, expected } = await setup(dir, [1, 2, 3]);
    await store.flushAcks();
    await copyFile(join(dir, "seg-0000000000000000.ack"), join(dir, "old.ack")); // generation 0
    const running = store.compact(0);
    store.ack(seg0[2] as SegmentPosition); // a late ack: lands in the new ack file
    await running;
    await store.close();
    // put the disk back in the state of a crash between the two renames
    await rename(join(dir, "seg-0000000000000000.ack"), join(dir, "seg-0000000000000000.ack.tmp"));
    await rename(join(dir, "old.ack"), join(dir, "seg-0000000000000000.ack"));
    const again = await open(dir);
    expect(again.recovery.ackFiles.discarded).toBe(0);
    expect(await payloads(again)).toEqual(expected.filter((m) => m !== "message-2"));
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("ignores an ack file of another generation rather than misapply it", async () => {
    const dir = await tempDir();
    const { store, expected } = await setup(dir, [1, 2, 3]);
    await store.flushAcks();
    await copyFile(join(dir, "seg-0000000000000000.ack"), join(dir, "old.ack"));
    await store.compact(0);
    await store.close();
    await rename(join(dir, "old.ack"), join(dir, "seg-0000000000000000.ack"));
    const again = await open(dir);
    expect(again.recovery.ackFiles.discarded).toBe(1);
    expect(await payloads(again)).toEqual(expected); // nothing acked in gen 1: all three are there
  });

  it("compacts a compacted segment again", async () => {
    const dir = await tempDir();
    const { store, seg0, expected } = await setup(dir, [1, 2, 3, 4, 5]);
    await store.compact(0);
    store.ack(seg0[3] as SegmentPosition);
    const r = (await store.compact(0)) as CompactionResult;
    expect(r.generation).toBe(2);
    expect(r.moved.map((m) => m.to.index)).toEqual([0, 1, 2, 3]);
    expect(await payloads(store)).toEqual(expected.filter((m) => m !== "message-3"));
  });
});

import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { SegmentStore, type SegmentStoreOptions } from "./segment-store.js";
import type { SegmentPosition } from "./segment-position.js";

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "segment-store-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function open(dir: string, o: SegmentStoreOptions = {}): Promise<SegmentStore> {
  const store = await SegmentStore.open(dir, { ackFlushIntervalMs: 0, ...o });
  onTestFinished(() => store.close());
  return store;
}

const msg = (i: number): Buffer => Buffer.from(`message-${i}`);

async function all(store: SegmentStore, from?: SegmentPosition): Promise<string[]> {
  const out: string[] = [];
  for await (const m of store.iterate(from)) out.push(m.payload.toString());
  return out;
}

describe("SegmentStore", () => {
  it("appends, reports durability, reads back in order and by position", async () => {
    const dir = await tempDir();
    const durable: number[] = [];
    const store = await open(dir, { onDurable: (seq) => durable.push(seq) });
    const positions = Array.from({ length: 100 }, (_, i) => store.append(msg(i)));
    expect(positions[0]).toEqual({ segmentId: 0, index: 0, seq: 0 });
    expect(positions[99]).toEqual({ segmentId: 0, index: 99, seq: 99 });
    await store.flush();
    expect(durable.at(-1)).toBe(99);
    expect(store.durableSeq).toBe(99);
    expect(await all(store)).toEqual(positions.map((_, i) => `message-${i}`));
    expect((await store.read(positions[42] as SegmentPosition))?.toString()).toBe("message-42");
    expect(await all(store, positions[97])).toEqual(["message-97", "message-98", "message-99"]);
  });

  it("reads a message still in the batch being written", async () => {
    const store = await open(await tempDir());
    const p = store.append(msg(1));
    expect((await store.read(p))?.toString()).toBe("message-1");
  });

  it("rolls to a new segment file at segmentSize and names files seg-<16 hex>.dat", async () => {
    const dir = await tempDir();
    const store = await open(dir, { segmentSize: 200 });
    const positions = Array.from({ length: 20 }, (_, i) => store.append(msg(i)));
    await store.flush();
    const ids = new Set(positions.map((p) => p.segmentId));
    expect(ids.size).toBeGreaterThan(3);
    const files = (await readdir(dir)).filter((f) => f.endsWith(".dat")).sort();
    expect(files[0]).toBe("seg-0000000000000000.dat");
    expect(files.length).toBe(ids.size);
    expect(await all(store)).toHaveLength(20);
    // each segment is 0-based
    for (const p of positions) expect(p.index).toBe(p.seq - (positions.find((q) => q.segmentId === p.segmentId) as SegmentPosition).seq);
  });

  it("reads in batches bounded by maxBytes and resumes from `next`", async () => {
    const store = await open(await tempDir(), { segmentSize: 4096 });
    for (let i = 0; i < 300; i++) store.append(Buffer.alloc(100, i));
    await store.flush();
    let cursor = (await store.readBatch(undefined, 1000)).next;
    let seen = (await store.readBatch(undefined, 1000)).messages.length;
    expect(seen).toBeLessThanOrEqual(9);
    for (;;) {
      const b = await store.readBatch(cursor, 1000);
      if (b.messages.length === 0) break;
      seen += b.messages.length;
      cursor = b.next;
    }
    expect(seen).toBe(300);
    // a cursor at the end picks up what is appended later
    store.append(Buffer.from("late"));
    await store.flush();
    const late = await store.readBatch(cursor);
    expect(late.messages.map((m) => m.payload.toString())).toEqual(["late"]);
  });

  it("skips acknowledged messages and keeps them acknowledged after reopen", async () => {
    const dir = await tempDir();
    let store = await open(dir);
    const positions = Array.from({ length: 10 }, (_, i) => store.append(msg(i)));
    for (const i of [0, 3, 4, 9]) expect(store.ack(positions[i] as SegmentPosition)).toBe(true);
    expect(await all(store)).toEqual([1, 2, 5, 6, 7, 8].map((i) => `message-${i}`));
    await store.close();
    store = await open(dir);
    expect(store.recovery).toMatchObject({ messages: 10, acknowledged: 4, unacknowledged: 6, nextSeq: 10 });
    expect(await all(store)).toEqual([1, 2, 5, 6, 7, 8].map((i) => `message-${i}`));
    expect(store.append(msg(10)).seq).toBe(10);
  });

  it("continues appending to the newest segment after reopen", async () => {
    const dir = await tempDir();
    let store = await open(dir);
    store.append(msg(0));
    await store.close();
    store = await open(dir);
    expect(store.append(msg(1))).toEqual({ segmentId: 0, index: 1, seq: 1 });
    await store.close();
    store = await open(dir);
    expect(await all(store)).toEqual(["message-0", "message-1"]);
  });

  it("refuses appends after close and rejects a bad segment size", async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { ackFlushIntervalMs: 0 });
    await store.close();
    expect(() => store.append(msg(0))).toThrow(/closed/);
    await expect(SegmentStore.open(dir, { segmentSize: 2 ** 32 })).rejects.toThrow(RangeError);
  });

  it("goes past 2^32 messages overall: sequence numbers and segment ids stay exact", async () => {
    const dir = await tempDir();
    const base = 2 ** 32 - 10;
    let store = await open(dir, { segmentSize: 150, firstSeq: base, firstSegmentId: 2 ** 32 - 2 });
    const positions = Array.from({ length: 40 }, (_, i) => store.append(msg(i)));
    await store.flush();
    expect(positions.map((p) => p.seq)).toEqual(Array.from({ length: 40 }, (_, i) => base + i));
    const last = positions[39] as SegmentPosition;
    expect(last.seq).toBe(2 ** 32 + 29);
    expect(last.segmentId).toBeGreaterThan(2 ** 32);
    const files = (await readdir(dir)).filter((f) => f.endsWith(".dat")).sort();
    expect(files).toContain("seg-00000000fffffffe.dat");
    expect(files).toContain("seg-0000000100000000.dat");
    for (const p of positions.filter((_, i) => i % 2 === 0)) store.ack(p);
    await store.close();
    store = await open(dir, { segmentSize: 150 });
    expect(store.recovery.nextSeq).toBe(2 ** 32 + 30);
    const left = [];
    for await (const m of store.iterate()) left.push(m.position.seq);
    expect(left).toEqual(positions.filter((_, i) => i % 2 === 1).map((p) => p.seq));
    expect((await store.read(last))?.toString()).toBe("message-39");
    expect(store.append(msg(40)).seq).toBe(2 ** 32 + 30);
  });

  it("keeps exact positions near 2^53", async () => {
    const dir = await tempDir();
    const base = Number.MAX_SAFE_INTEGER - 20;
    let store = await open(dir, { firstSeq: base, firstSegmentId: Number.MAX_SAFE_INTEGER - 5, segmentSize: 100 });
    const p = Array.from({ length: 10 }, (_, i) => store.append(msg(i)));
    await store.close();
    store = await open(dir);
    expect((await all(store)).length).toBe(10);
    expect((await store.read(p[9] as SegmentPosition))?.toString()).toBe("message-9");
    expect(store.recovery.nextSeq).toBe(base + 10);
  });

  it("gives large messages a segment of their own", async () => {
    const store = await open(await tempDir(), { segmentSize: 1000 });
    const big = Buffer.alloc(5000, 7);
    const a = store.append(Buffer.from("a"));
    const b = store.append(big);
    const c = store.append(Buffer.from("c"));
    expect(new Set([a.segmentId, b.segmentId, c.segmentId]).size).toBe(3);
    expect((await store.read(b))?.equals(big)).toBe(true);
    expect(await all(store)).toHaveLength(3);
  });
});

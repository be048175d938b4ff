import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { SegmentStore, type SegmentStoreOptions } from "./segment-store.js";
import type { SegmentPosition } from "./segment-position.js";

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "segment-reclaim-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function open(dir: string, o: SegmentStoreOptions = {}): Promise<SegmentStore> {
  const store = await SegmentStore.open(dir, { ackFlushIntervalMs: 0, segmentSize: 200, compactRatio: 2, ...o });
  onTestFinished(() => store.close());
  return store;
}

const files = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

/** Flushes acks and waits for the deletions and compactions that follow. */
async function settle(store: SegmentStore): Promise<void> {
  await store.flushAcks();
  await store.reclaim();
}

describe("segment reclaim", () => {
  it("deletes a segment and its ack file only after its last ack", async () => {
    const dir = await tempDir();
    const store = await open(dir);
    const p = Array.from({ length: 20 }, (_, i) => store.append(Buffer.from(`message-${i}`)));
    await store.flush();
    const first = p.filter((x) => x.segmentId === 0);
    expect(first.length).toBeGreaterThan(2);
    for (const x of first.slice(0, -1)) store.ack(x);
    await settle(store);
    expect(await files(dir)).toContain("seg-0000000000000000.dat");
    expect(await files(dir)).toContain("seg-0000000000000000.ack");
    expect(await store.read(first[0] as SegmentPosition)).toBeDefined(); // acked, still on disk
    store.ack(first.at(-1) as SegmentPosition);
    await settle(store);
    const left = await files(dir);
    expect(left.filter((f) => f.startsWith("seg-0000000000000000"))).toEqual([]);
    expect(store.segments()[0]?.segmentId).toBe(1);
    // the deleted segment's positions are gone; reads skip to the next segment
    expect(await store.read(first[0] as SegmentPosition)).toBeUndefined();
    expect(store.ack(first[0] as SegmentPosition)).toBe(false);
    const rest: string[] = [];
    for await (const m of store.iterate()) rest.push(m.payload.toString());
    expect(rest).toEqual(p.slice(first.length).map((x) => `message-${x.seq}`));
  });

  it("deletes a fully acknowledged head, keeping the sequence counter in a new empty head", async () => {
    const dir = await tempDir();
    let store = await open(dir, { segmentSize: 64 * 1024 });
    const p = Array.from({ length: 5 }, () => store.append(Buffer.from("x")));
    for (const x of p) store.ack(x);
    await store.flush();
    await settle(store);
    expect(await files(dir)).toEqual(["seg-0000000000000001.dat"]);
    expect(store.segments()).toEqual([expect.objectContaining({ segmentId: 1, messages: 0, head: true })]);
    await store.close();
    store = await open(dir);
    expect(store.recovery).toMatchObject({ segments: 1, messages: 0, nextSeq: 5 });
    expect(store.append(Buffer.from("y"))).toEqual({ segmentId: 1, index: 0, seq: 5 });
  });

  it("deletes segments acknowledged before a crash when the store opens again", async () => {
    const dir = await tempDir();
    const store = await open(dir, { autoReclaim: false });
    const p = Array.from({ length: 20 }, () => store.append(Buffer.from("payload")));
    for (const x of p.filter((q) => q.segmentId === 0)) store.ack(x);
    await store.close();
    expect(await files(dir)).toContain("seg-0000000000000000.dat");
    const again = await open(dir);
    expect(await files(dir)).not.toContain("seg-0000000000000000.dat");
    expect(again.recovery.acknowledged).toBe(p.filter((q) => q.segmentId === 0).length);
  });

  it("leaves a segment alone while its records are still being written", async () => {
    const dir = await tempDir();
    const store = await open(dir, { segmentSize: 64 * 1024 });
    const p = store.append(Buffer.from("a"));
    store.ack(p);
    await store.reclaim(); // the write may still be in flight: nothing to delete yet, no error
    await store.flush();
    await settle(store);
    expect(store.segments().map((s) => s.messages)).toEqual([0]);
  });
});

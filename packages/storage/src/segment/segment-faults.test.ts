import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { storageFaults } from "../storage-faults.js";
import { SegmentStore } from "./segment-store.js";

afterEach(() => storageFaults.failWith(null));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "segment-faults-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function all(store: SegmentStore): Promise<string[]> {
  const out: string[] = [];
  for await (const m of store.iterate()) out.push(m.payload.toString());
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("SegmentStore on a full disk", () => {
  it("keeps appending in memory while writes fail, retries the failed write, and loses nothing once space is back", async () => {
    const dir = await tempDir();
    const events: string[] = [];
    const o = { ackFlushIntervalMs: 0, retryIntervalMs: 10, onError: (e: Error) => events.push(`error ${(e as NodeJS.ErrnoException).code}`), onResume: () => events.push("resume") };
    const store = await SegmentStore.open(dir, o);
    for (let i = 0; i < 10; i++) store.append(Buffer.from(`m${i}`));
    await store.flush();
    storageFaults.failWith("ENOSPC", (w) => w === "segment");
    for (let i = 10; i < 20; i++) store.append(Buffer.from(`m${i}`));
    let flushed = false;
    const flushing = store.flush().then(() => (flushed = true));
    await sleep(50); // several retries, all failing
    expect(flushed).toBe(false);
    expect(events).toEqual(["error ENOSPC"]);
    for (let i = 20; i < 30; i++) store.append(Buffer.from(`m${i}`)); // still accepted
    expect(store.pendingBytes).toBeGreaterThan(0);
    storageFaults.failWith(null);
    await flushing;
    await store.flush();
    expect(events).toEqual(["error ENOSPC", "resume"]);
    expect(store.durableSeq).toBe(29);
    await store.close();
    const again = await SegmentStore.open(dir, { ackFlushIntervalMs: 0 });
    expect(await all(again)).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
    await again.close();
  });

  it("close() on a disk still full gives the failed write up instead of waiting forever", async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { ackFlushIntervalMs: 0, retryIntervalMs: 10 });
    storageFaults.failWith("ENOSPC", (w) => w === "segment");
    store.append(Buffer.from("never written"));
    await sleep(20);
    await expect(store.close()).rejects.toMatchObject({ code: "ENOSPC" });
  });

  it("opens on a full disk when its head is all acknowledged (the reclaim gives up), and reclaims it once space is back", async () => {
    const dir = await tempDir();
    const first = await SegmentStore.open(dir, { ackFlushIntervalMs: 0, autoReclaim: false });
    const positions = Array.from({ length: 5 }, (_, i) => first.append(Buffer.from(`m${i}`)));
    await first.flush();
    for (const p of positions) first.ack(p);
    await first.close();
    storageFaults.failWith("ENOSPC", (w) => w === "segment");
    const errors: string[] = [];
    const store = await SegmentStore.open(dir, { ackFlushIntervalMs: 0, retryIntervalMs: 10, onError: (e) => errors.push((e as NodeJS.ErrnoException).code ?? "") });
    expect(new Set(errors)).toEqual(new Set(["ENOSPC"])); // the write's failure, and the reclaim's
    expect(store.segments().map((s) => [s.segmentId, s.messages])).toEqual([[0, 5], [1, 0]]); // the old head kept: it holds the counter
    await store.reclaim();
    expect(store.segments().length).toBe(2);
    storageFaults.failWith(null);
    await store.flush(); // the new head's header is written by the retry
    await store.reclaim();
    expect(store.segments().map((s) => s.segmentId)).toEqual([1]);
    await store.close();
    const again = await SegmentStore.open(dir, { ackFlushIntervalMs: 0 });
    expect(again.nextSeq).toBe(5);
    await again.close();
  });

  it("acks whose flush failed are written by a later flush", async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { ackFlushIntervalMs: 0 });
    const positions = Array.from({ length: 10 }, (_, i) => store.append(Buffer.from(`m${i}`)));
    await store.flush();
    for (const p of positions.slice(0, 3)) store.ack(p);
    await store.flushAcks();
    storageFaults.failWith("ENOSPC", (w) => w === "ack");
    for (const p of positions.slice(3, 6)) store.ack(p);
    await expect(store.flushAcks()).rejects.toMatchObject({ code: "ENOSPC" });
    storageFaults.failWith(null);
    await store.flushAcks();
    await store.close();
    const again = await SegmentStore.open(dir, { ackFlushIntervalMs: 0 });
    expect(await all(again)).toEqual(["m6", "m7", "m8", "m9"]);
    await again.close();
  });

  it("a damaged batch in the middle of an ack file loses only that batch's acks, and is reported with its file", async () => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { ackFlushIntervalMs: 0 });
    const positions = Array.from({ length: 10 }, (_, i) => store.append(Buffer.from(`m${i}`)));
    await store.flush();
    for (const batch of [[0, 1], [2, 3, 4], [5]]) {
      for (const i of batch) store.ack(positions[i]!);
      await store.flushAcks();
    }
    await store.close();
    const ackFile = (await readdir(dir)).find((f) => f.endsWith(".ack"))!;
    const buf = await readFile(join(dir, ackFile));
    const second = 16 + 8 + buf.readUInt32LE(16 + 4); // header, then the first record
    buf.writeUInt32LE(buf.readUInt32LE(second + 4) ^ 0x00ff00ff, second + 4); // its length: no walking past it by length
    await writeFile(join(dir, ackFile), buf);
    const again = await SegmentStore.open(dir, { ackFlushIntervalMs: 0 });
    expect(await all(again)).toEqual(["m2", "m3", "m4", "m6", "m7", "m8", "m9"]);
    expect(again.recovery.damagedAckFiles).toEqual([{ file: ackFile, damagedBatches: 1, headerDamaged: false, unacknowledged: 7 }]);
    await again.close();
  });
});

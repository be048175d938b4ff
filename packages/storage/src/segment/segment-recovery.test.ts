import { appendFile, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE } from "./record.js";
import { SegmentStore } from "./segment-store.js";
import type { SegmentPosition } from "./segment-position.js";

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "segment-recovery-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function open(dir: string): Promise<SegmentStore> {
  const store = await SegmentStore.open(dir, { ackFlushIntervalMs: 0 });
  onTestFinished(() => store.close());
  return store;
}

const SEG0 = "seg-0000000000000000.dat";
/** "message-N" for N < 10 is 9 octets: record k of segment 0 starts at 32 + 25k. */
const recordAt = (k: number): number => SEGMENT_HEADER_SIZE + k * (RECORD_HEADER_SIZE + 9);

/** Writes messages 0..n-1, acks `acked`, closes cleanly. */
async function fill(dir: string, n: number, acked: number[] = []): Promise<SegmentPosition[]> {
  const store = await SegmentStore.open(dir, { ackFlushIntervalMs: 0 });
  const positions = Array.from({ length: n }, (_, i) => store.append(Buffer.from(`message-${i}`)));
  for (const i of acked) store.ack(positions[i] as SegmentPosition);
  await store.close();
  return positions;
}

async function payloads(store: SegmentStore): Promise<string[]> {
  const out: string[] = [];
  for await (const m of store.iterate()) out.push(m.payload.toString());
  return out;
}

async function corrupt(path: string, offset: number): Promise<void> {
  const data = await readFile(path);
  data[offset] = (data[offset] as number) ^ 0xff;
  await writeFile(path, data);
}

const names = (ks: number[]): string[] => ks.map((k) => `message-${k}`);

describe("segment recovery", () => {
  it("cuts a torn record at the tail, reports it, and appends after it", async () => {
    const dir = await tempDir();
    await fill(dir, 10);
    await truncate(join(dir, SEG0), recordAt(10) - 5);
    const store = await open(dir);
    expect(store.recovery.tornTails).toEqual([{ segmentId: 0, offset: recordAt(9), bytes: 20 }]);
    expect(store.recovery).toMatchObject({ messages: 9, unacknowledged: 9, nextSeq: 9 });
    expect((await stat(join(dir, SEG0))).size).toBe(recordAt(9));
    expect(await payloads(store)).toEqual(names([0, 1, 2, 3, 4, 5, 6, 7, 8]));
    expect(store.append(Buffer.from("message-X"))).toEqual({ segmentId: 0, index: 9, seq: 9 });
    await store.close();
    const again = await open(dir);
    expect(again.recovery.tornTails).toEqual([]);
    expect((await payloads(again)).at(-1)).toBe("message-X");
  });

  it("cuts zeros a crash left at the end of the file", async () => {
    const dir = await tempDir();
    await fill(dir, 5);
    await appendFile(join(dir, SEG0), Buffer.alloc(4096));
    const store = await open(dir);
    expect(store.recovery.tornTails).toEqual([{ segmentId: 0, offset: recordAt(5), bytes: 4096 }]);
    expect(await payloads(store)).toHaveLength(5);
  });

  it("skips a bad-crc record in the middle, reports it, and keeps later acks on the right messages", async () => {
    const dir = await tempDir();
    await fill(dir, 10, [6, 8]);
    await corrupt(join(dir, SEG0), recordAt(4) + RECORD_HEADER_SIZE + 3); // a payload octet
    const store = await open(dir);
    expect(store.recovery.corruptRecords).toEqual([{ segmentId: 0, offset: recordAt(4), bytes: 25 }]);
    expect(store.recovery).toMatchObject({ lostMessages: 1, messages: 9, acknowledged: 2, unacknowledged: 7, tornTails: [] });
    expect(await payloads(store)).toEqual(names([0, 1, 2, 3, 5, 7, 9]));
    // positions after the hole are unchanged
    expect(store.append(Buffer.from("new")).index).toBe(10);
  });

  it("resynchronises after a record whose length field is corrupt", async () => {
    const dir = await tempDir();
    await fill(dir, 10, [7]);
    await corrupt(join(dir, SEG0), recordAt(3) + 6); // high octet of the length: points past the end
    const store = await open(dir);
    expect(store.recovery.corruptRecords).toEqual([{ segmentId: 0, offset: recordAt(3), bytes: 25 }]);
    expect(await payloads(store)).toEqual(names([0, 1, 2, 4, 5, 6, 8, 9]));
  });

  it("loses only the corrupt records when two in a row are damaged", async () => {
    const dir = await tempDir();
    await fill(dir, 10);
    await corrupt(join(dir, SEG0), recordAt(5) + 1);
    await corrupt(join(dir, SEG0), recordAt(6) + 9);
    const store = await open(dir);
    expect(store.recovery.lostMessages).toBe(2);
    expect(await payloads(store)).toEqual(names([0, 1, 2, 3, 4, 7, 8, 9]));
  });

  it("removes a file torn at creation and keeps a file with a corrupt header for a human", async () => {
    const dir = await tempDir();
    await fill(dir, 3);
    await writeFile(join(dir, "seg-0000000000000005.dat"), Buffer.from("short"));
    await writeFile(join(dir, "seg-0000000000000007.dat"), Buffer.alloc(100, 0x41));
    const store = await open(dir);
    expect(store.recovery.corruptSegments).toEqual([
      { segmentId: 5, problem: "torn" },
      { segmentId: 7, problem: "corrupt" },
    ]);
    expect(await payloads(store)).toHaveLength(3);
    const files = await readdir(dir);
    expect(files).toContain("seg-0000000000000007.dat.corrupt");
    expect(files).not.toContain("seg-0000000000000005.dat");
    // ids are never reused
    await store.close();
    const again = await SegmentStore.open(dir, { ackFlushIntervalMs: 0, segmentSize: 40 });
    onTestFinished(() => again.close());
    expect(again.append(Buffer.alloc(100)).segmentId).toBe(8);
  });

  it("removes orphan ack files and leftovers of an unfinished compaction", async () => {
    const dir = await tempDir();
    await fill(dir, 3);
    await writeFile(join(dir, "seg-0000000000000009.ack"), Buffer.from("junk"));
    await writeFile(join(dir, "seg-0000000000000000.dat.tmp"), Buffer.from("junk"));
    const store = await open(dir);
    expect(store.recovery.ackFiles.orphansRemoved).toBe(1);
    expect((await readdir(dir)).sort()).toEqual([SEG0]);
  });

  it("forgets acks of records lost in a torn tail, so new messages there are not born acked", async () => {
    const dir = await tempDir();
    await fill(dir, 10, [8, 9]);
    await truncate(join(dir, SEG0), recordAt(8));
    const store = await open(dir);
    expect(store.recovery).toMatchObject({ messages: 8, acknowledged: 0 });
    const p = store.append(Buffer.from("message-8"));
    expect(p.index).toBe(8);
    expect(store.isAcked(p)).toBe(false);
    await store.close();
    expect(await payloads(await open(dir))).toEqual(names([0, 1, 2, 3, 4, 5, 6, 7, 8]));
  });

  it("never throws on garbage: a segment of random octets after a good header", async () => {
    const dir = await tempDir();
    await fill(dir, 2);
    const junk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 2654435761) >>> 24;
    await appendFile(join(dir, SEG0), junk);
    const store = await open(dir);
    expect(await payloads(store)).toEqual(names([0, 1]));
    expect(store.recovery.tornTails[0]?.bytes).toBe(junk.length);
  });
});

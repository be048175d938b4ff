import { cp, mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { AckTracker, type AckTrackerOptions } from "./ack-tracker.js";

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "ack-tracker-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function tracker(dir: string, o: AckTrackerOptions = {}): AckTracker {
  const t = new AckTracker(dir, { flushIntervalMs: 0, ...o });
  onTestFinished(() => t.close());
  return t;
}

/** A copy of the directory as it is now: what a `kill -9` at this moment leaves on disk. */
async function crashCopy(dir: string): Promise<string> {
  const copy = `${dir}-crash`;
  await cp(dir, copy, { recursive: true });
  onTestFinished(() => rm(copy, { recursive: true, force: true }));
  return copy;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);
const ACK0 = "seg-0000000000000000.ack";

describe("AckTracker", () => {
  it("tracks acks per segment, counting duplicates once", async () => {
    const t = tracker(await tempDir());
    t.track(0, 0);
    t.track(1, 0);
    for (const i of [5, 1, 5, 9]) t.ack(0, i);
    t.ackMany(1, Uint32Array.of(7, 8));
    expect(t.ackedCount(0)).toBe(3);
    expect(t.isAcked(0, 5)).toBe(true);
    expect(t.isAcked(0, 6)).toBe(false);
    expect(t.isAcked(1, 8)).toBe(true);
    expect(t.ack(42, 0)).toBe(false); // unknown segment
    expect([...t.acked(0)]).toEqual([1, 5, 9]);
  });

  it("finds the first unacknowledged index past long acked runs", async () => {
    const t = tracker(await tempDir());
    t.track(0, 0);
    const acked = new Set([...range(0, 5000), 5001, ...range(5003, 9000), ...range(9500, 20000)]);
    t.ackMany(0, [...acked]);
    const naive = (from: number, to: number): number => {
      let i = from;
      while (i < to && acked.has(i)) i++;
      return i;
    };
    for (const [from, to] of [[0, 20000], [5001, 20000], [5003, 20000], [9500, 20000], [9500, 15000], [0, 0], [7, 3], [0, 4000]]) {
      expect(t.firstUnacked(0, from as number, to as number)).toBe(Math.max(from as number, naive(from as number, to as number)));
    }
    expect(t.firstUnacked(1, 3, 10)).toBe(3); // untracked: nothing acked
  });

  it("makes flushed acks survive a reopen, and flushes at close", async () => {
    const dir = await tempDir();
    const flushed: number[][] = [];
    const t = tracker(dir, { onFlush: (ids) => flushed.push([...ids]) });
    t.track(0, 0);
    t.track(3, 0);
    t.ackMany(0, range(0, 1000));
    t.ack(3, 7);
    await t.flush();
    expect(flushed).toEqual([[0, 3]]);
    t.ack(0, 5000);
    await t.close();
    const u = tracker(dir);
    expect(await u.load(0, 0)).toEqual({ acked: 1001, corruptRecords: 0, corruptHeader: false, tornBytes: 0, discarded: false });
    expect(u.isAcked(0, 5000)).toBe(true);
    expect((await u.load(3, 0)).acked).toBe(1);
  });

  it("flushes on its interval", async () => {
    const dir = await tempDir();
    const t = tracker(dir, { flushIntervalMs: 10 });
    t.track(0, 0);
    t.ackMany(0, [1, 2, 3]);
    await new Promise((r) => setTimeout(r, 80));
    const crashed = await crashCopy(dir);
    const u = tracker(crashed);
    expect((await u.load(0, 0)).acked).toBe(3);
  });

  it("after a crash, loses only the acks since the last flush", async () => {
    const dir = await tempDir();
    const t = tracker(dir);
    t.track(0, 0);
    t.ackMany(0, range(0, 100));
    await t.flush();
    t.ackMany(0, range(100, 200));
    await t.flush();
    t.ackMany(0, range(200, 300)); // the last, unflushed batch
    const crashed = await crashCopy(dir);
    const u = tracker(crashed);
    await u.load(0, 0);
    expect([...u.acked(0)]).toEqual(range(0, 200));
  });

  it("cuts a torn last record and keeps appending after it", async () => {
    const dir = await tempDir();
    const t = tracker(dir);
    t.track(0, 0);
    t.ackMany(0, [1, 2]);
    await t.flush();
    t.ackMany(0, [3, 4]);
    await t.close();
    const size = (await stat(join(dir, ACK0))).size;
    await truncate(join(dir, ACK0), size - 3);
    const u = tracker(dir);
    const r = await u.load(0, 0);
    expect(r.tornBytes).toBeGreaterThan(0);
    expect([...u.acked(0)]).toEqual([1, 2]);
    u.ack(0, 9);
    await u.close();
    const v = tracker(dir);
    expect(await v.load(0, 0)).toMatchObject({ acked: 3, tornBytes: 0, corruptRecords: 0 });
  });

  it("skips a record with a bad crc and keeps the others", async () => {
    const dir = await tempDir();
    const t = tracker(dir);
    t.track(0, 0);
    for (const batch of [[1], [2], [3]]) {
      t.ackMany(0, batch);
      await t.flush();
    }
    await t.close();
    const data = await readFile(join(dir, ACK0));
    // the second record: after the 16-octet header and the first record
    const first = 8 + data.readUInt32LE(16 + 4);
    data[16 + first + 10] = (data[16 + first + 10] as number) ^ 0xff;
    await writeFile(join(dir, ACK0), data);
    const u = tracker(dir);
    expect(await u.load(0, 0)).toMatchObject({ acked: 2, corruptRecords: 1 });
    expect([...u.acked(0)]).toEqual([1, 3]);
  });

  it("ignores an ack file of another generation, and a corrupt header", async () => {
    const dir = await tempDir();
    const t = tracker(dir);
    t.track(0, 0);
    t.ack(0, 1);
    await t.close();
    const u = tracker(dir);
    expect(await u.load(0, 1)).toMatchObject({ acked: 0, discarded: true });
    expect(await readdir(dir)).toEqual([]);
    await writeFile(join(dir, ACK0), Buffer.from("garbage garbage garbage"));
    const v = tracker(dir);
    expect(await v.load(0, 0)).toMatchObject({ acked: 0, discarded: true });
  });

  it("rewrites an ack file of many small flushes as one snapshot", async () => {
    const dir = await tempDir();
    const t = tracker(dir, { sync: false });
    t.track(0, 0);
    let largest = 0;
    for (let i = 0; i < 4000; i++) {
      t.ack(0, i);
      await t.flush();
      largest = Math.max(largest, (await stat(join(dir, ACK0))).size);
    }
    await t.close();
    expect(largest).toBeGreaterThan(64 * 1024);
    expect((await stat(join(dir, ACK0))).size).toBeLessThan(64 * 1024);
    const u = tracker(dir);
    expect((await u.load(0, 0)).acked).toBe(4000);
  });

  it("drops a segment's acks and its file", async () => {
    const dir = await tempDir();
    const t = tracker(dir);
    t.track(0, 0);
    t.ack(0, 1);
    await t.flush();
    await t.drop(0);
    expect(t.has(0)).toBe(false);
    expect(await readdir(dir)).toEqual([]);
  });
});

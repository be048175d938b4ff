import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { nodeIo, type WalIo } from "./io.js";
import { WriteAheadLog } from "./write-ahead-log.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "wal-group-"));
  dirs.push(dir);
  return dir;
}
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** node:fs with a log of the calls, a check that no write or sync overlaps another, and hooks. */
function tracedIo(log: string[], hooks: { syncDelayMs?: number; failSync?: number } = {}): WalIo & { inFlight: number; maxInFlight: number } {
  let syncs = 0;
  const io = {
    inFlight: 0,
    maxInFlight: 0,
    open: nodeIo.open,
    close: nodeIo.close,
    fsync: nodeIo.fsync,
    write(fd, buffer, offset, length, position, cb) {
      io.inFlight++;
      io.maxInFlight = Math.max(io.maxInFlight, io.inFlight);
      log.push("write");
      nodeIo.write(fd, buffer, offset, length, position, cb);
    },
    fdatasync(fd, cb) {
      const n = ++syncs;
      log.push("fdatasync");
      const done = (err: NodeJS.ErrnoException | null): void => {
        io.inFlight--;
        log.push("fdatasync done");
        if (n === hooks.failSync) return cb(Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" }));
        cb(err);
      };
      nodeIo.fdatasync(fd, hooks.syncDelayMs === undefined ? done : (err) => setTimeout(() => done(err), hooks.syncDelayMs));
    },
  } satisfies WalIo & { inFlight: number; maxInFlight: number };
  return io;
}

describe("WAL group commit", () => {
  it("batches: 10,000 appends in one tick make a handful of fdatasyncs", async () => {
    const dir = await tempDir();
    const synced: number[] = [];
    const wal = await WriteAheadLog.open({ dir, onSynced: (s) => synced.push(s) }); // 1 MiB, 2 ms
    const payload = Buffer.alloc(300, 0x61);
    for (let i = 0; i < 10_000; i++) wal.append(payload);
    await wal.flush();
    // 10,000 x 316 octets = 3.2 MB: three full 1 MiB batches and the rest.
    expect(wal.stats.syncs).toBe(4);
    expect(wal.stats).toMatchObject({ records: 10_000, batches: 4, bytes: 3_160_000 });
    expect(synced.length).toBe(4);
    expect(synced[3]).toBe(10_000);
    await wal.close();
  });

  it("has one batch in flight at a time, and calls onSynced only after that batch's fdatasync", async () => {
    const dir = await tempDir();
    const log: string[] = [];
    const io = tracedIo(log, { syncDelayMs: 2 });
    const wal = await WriteAheadLog.open({ dir, io, batchSize: 4096, batchDelay: 0, onSynced: (s) => log.push(`synced ${s}`) });
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 30; i++) wal.append(Buffer.alloc(100, i));
      await tick();
    }
    await wal.close();
    expect(io.maxInFlight).toBe(1);
    const calls = log.filter((l) => l !== "write");
    for (let i = 0; i < calls.length; i++) {
      if (calls[i]?.startsWith("synced")) expect(calls[i - 1]).toBe("fdatasync done");
    }
    expect(log.filter((l) => l.startsWith("synced")).length).toBe(wal.stats.syncs);
    expect(log[log.length - 1]).toBe("synced 600");
  });

  it("keeps order under appends during an in-flight sync; onSynced increases and covers every record", async () => {
    const dir = await tempDir();
    const synced: number[] = [];
    const io = tracedIo([], { syncDelayMs: 3 }); // a slow disk: the next batch fills meanwhile
    const wal = await WriteAheadLog.open({ dir, io, batchSize: 16 * 1024, batchDelay: 1, onSynced: (s) => synced.push(s) });
    let n = 0;
    const seqs: number[] = [];
    for (let round = 0; round < 60; round++) {
      const count = 1 + ((round * 53) % 97);
      for (let i = 0; i < count; i++) {
        const payload = Buffer.alloc(8 + (n % 200));
        payload.writeUInt32BE(n++, 0);
        seqs.push(wal.append(payload));
      }
      if (round % 3 === 0) await sleep(1);
      else await tick();
    }
    await wal.close();
    expect(seqs).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    for (let i = 1; i < synced.length; i++) expect(synced[i]).toBeGreaterThan(synced[i - 1] as number);
    expect(synced[synced.length - 1]).toBe(n);
    expect(synced.length).toBe(wal.stats.syncs);
    expect(synced.length).toBeLessThan(60); // rounds shared syncs while one was in flight
    expect(io.maxInFlight).toBe(1);

    const order: number[] = [];
    const again = await WriteAheadLog.open({ dir, onRecord: (seq, p) => order.push(p.readUInt32BE(0) + 1 - seq) });
    expect(order.length).toBe(n);
    expect(order.every((d) => d === 0)).toBe(true); // record i carries i: appended order = sequence order
    await again.close();
  });

  it("closes a batch on size without waiting for the timer", async () => {
    const dir = await tempDir();
    let resolveSynced: (seq: number) => void = () => {};
    const firstSync = new Promise<number>((resolve) => (resolveSynced = resolve));
    const wal = await WriteAheadLog.open({ dir, batchSize: 1000, batchDelay: 60_000, onSynced: (s) => resolveSynced(s) });
    for (let i = 0; i < 5; i++) wal.append(Buffer.alloc(300)); // 4 x 316 >= 1000: sealed after the 4th
    expect(await firstSync).toBe(4);
    expect(wal.syncedSeq).toBe(4);
    await sleep(5);
    expect(wal.syncedSeq).toBe(4); // the 5th waits for its timer (or a flush)
    await wal.close();
    expect(wal.syncedSeq).toBe(5);
  });

  it("closes a batch on its timer: batchDelay ms, or the next turn of the loop for 0", async () => {
    const dir = await tempDir();
    const synced: Array<{ seq: number; at: number }> = [];
    const wal = await WriteAheadLog.open({ dir, batchDelay: 25, onSynced: (seq) => synced.push({ seq, at: performance.now() }) });
    const t0 = performance.now();
    wal.append(Buffer.from("a"));
    wal.append(Buffer.from("b"));
    await tick();
    expect(synced).toEqual([]);
    while (synced.length === 0) await sleep(5);
    expect(synced[0]?.seq).toBe(2);
    expect((synced[0]?.at as number) - t0).toBeGreaterThanOrEqual(20);
    await wal.close();

    const synced0: number[] = [];
    const wal0 = await WriteAheadLog.open({ dir: await tempDir(), batchDelay: 0, onSynced: (s) => synced0.push(s) });
    wal0.append(Buffer.from("a"));
    wal0.append(Buffer.from("b"));
    while (synced0.length === 0) await tick();
    expect(synced0).toEqual([2]); // both in one batch
    expect(wal0.stats.syncs).toBe(1);
    await wal0.close();
  });

  it("stops after a failed fdatasync: onError once, no onSynced for it, appends and flushes refused", async () => {
    const dir = await tempDir();
    const synced: number[] = [];
    const errors: Error[] = [];
    const io = tracedIo([], { failSync: 2 });
    const wal = await WriteAheadLog.open({ dir, io, batchDelay: 0, onSynced: (s) => synced.push(s), onError: (e) => errors.push(e) });
    wal.append(Buffer.from("1"));
    await wal.flush();
    wal.append(Buffer.from("2"));
    await expect(wal.flush()).rejects.toMatchObject({ code: "WAL_FAILED" });
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(["EIO"]);
    expect(synced).toEqual([1]);
    expect(wal.syncedSeq).toBe(1);
    expect(() => wal.append(Buffer.from("3"))).toThrow(expect.objectContaining({ code: "WAL_FAILED" }));
    await expect(wal.close()).rejects.toMatchObject({ code: "WAL_FAILED" });
  });
});

import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { WalOptions } from "./options.js";
import { WalError } from "./wal-error.js";
import { WriteAheadLog } from "./write-ahead-log.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "wal-test-"));
  dirs.push(dir);
  return dir;
}

interface Rec {
  seq: number;
  payload: Buffer;
}
async function openWal(dir: string, options: Partial<WalOptions> = {}): Promise<{ wal: WriteAheadLog; records: Rec[] }> {
  const records: Rec[] = [];
  const wal = await WriteAheadLog.open({ batchDelay: 0, ...options, dir, onRecord: (seq, payload) => records.push({ seq, payload: Buffer.from(payload) }) });
  return { wal, records };
}

/** Payload i: a size from a fixed pseudo-random series, filled with a pattern of i. */
function payloadOf(i: number, maxSize = 500): Buffer {
  const size = (i * 7919 + 13) % (maxSize + 1);
  const buf = Buffer.alloc(size);
  for (let k = 0; k < size; k++) buf[k] = (i + k * 31) & 0xff;
  return buf;
}

describe("WriteAheadLog", () => {
  it("round-trips many records through close and reopen, across many files", async () => {
    const dir = await tempDir();
    const { wal, records: none } = await openWal(dir, { fileSize: 64 * 1024, batchSize: 8 * 1024 });
    expect(none).toEqual([]);
    expect(wal.recovery.files).toBe(0);
    const seqs: number[] = [];
    for (let i = 0; i < 5000; i++) seqs.push(wal.append(payloadOf(i)));
    await wal.close();
    expect(seqs[0]).toBe(1);
    expect(seqs[4999]).toBe(5000);

    const again = await openWal(dir, { fileSize: 64 * 1024, batchSize: 8 * 1024 });
    expect(again.records.length).toBe(5000);
    again.records.forEach((r, i) => {
      expect(r.seq).toBe(i + 1);
      expect(r.payload.equals(payloadOf(i))).toBe(true);
    });
    const s = again.wal.recovery;
    expect(s).toMatchObject({ records: 5000, highestSeq: 5000, tornRecords: 0, tornBytes: 0, badCrcRecords: 0, outOfOrderRecords: 0, damaged: [] });
    expect(s.files).toBeGreaterThan(15);
    expect(s.files).toBe((await readdir(dir)).length);
    // Appends go on after the last record, in the last file.
    expect(again.wal.nextSeq).toBe(5001);
    expect(again.wal.append(Buffer.from("after"))).toBe(5001);
    await again.wal.close();
    const third = await openWal(dir, { fileSize: 64 * 1024 });
    expect(third.wal.recovery.files).toBe(s.files);
    expect(third.records.length).toBe(5001);
    expect(third.records[5000]?.payload.toString()).toBe("after");
    await third.wal.close();
  });

  it("a record that would span a file roll goes whole into the next file", async () => {
    const dir = await tempDir();
    // 300-octet payloads are 316-octet records: 3 fit in 1000 octets, the 4th starts a new file,
    // in the middle of a batch (the batch is cut at the roll).
    const { wal } = await openWal(dir, { fileSize: 1000, batchSize: 1 << 20 });
    for (let i = 0; i < 7; i++) wal.append(Buffer.alloc(300, i));
    const big = wal.append(Buffer.alloc(5000, 0xee)); // larger than a file: a file of its own
    const after = wal.append(Buffer.alloc(10, 0xaa));
    await wal.close();
    const names = (await readdir(dir)).sort();
    expect(names).toEqual([
      "wal-0000000000000001.log",
      "wal-0000000000000004.log",
      "wal-0000000000000007.log",
      "wal-0000000000000008.log",
      "wal-0000000000000009.log",
    ]);
    const sizes = await Promise.all(names.map(async (n) => (await stat(join(dir, n))).size));
    expect(sizes).toEqual([948, 948, 316, 5016, 26]);
    expect([big, after]).toEqual([8, 9]);
    expect(wal.stats.filesCreated).toBe(5);
    expect(wal.stats.dirSyncs).toBe(5);

    const { wal: again, records } = await openWal(dir, { fileSize: 1000 });
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    records.slice(0, 7).forEach((r, i) => expect(r.payload.equals(Buffer.alloc(300, i))).toBe(true));
    expect(records[7]?.payload.equals(Buffer.alloc(5000, 0xee))).toBe(true);
    // The last file (26 octets) has room: the next record goes there; the one after rolls.
    again.append(Buffer.alloc(300, 1));
    again.append(Buffer.alloc(700, 2));
    await again.close();
    expect((await readdir(dir)).sort().slice(-2)).toEqual(["wal-0000000000000009.log", "wal-000000000000000b.log"]);
  });

  it("works with sequences above 2^32, up to 2^53 - 1", async () => {
    const dir = await tempDir();
    const start = 2 ** 32 - 3;
    const { wal } = await openWal(dir, { startSeq: start, fileSize: 20 }); // a file per record
    const seqs = Array.from({ length: 10 }, (_, i) => wal.append(Buffer.from(`m${i}`)));
    expect(seqs).toEqual(Array.from({ length: 10 }, (_, i) => start + i));
    await wal.close();
    expect((await readdir(dir)).sort()).toContain("wal-0000000100000000.log");
    const { wal: again, records } = await openWal(dir, { startSeq: 1 }); // startSeq only for an empty log
    expect(records.map((r) => r.seq)).toEqual(seqs);
    expect(records.map((r) => r.payload.toString())).toEqual(seqs.map((_, i) => `m${i}`));
    expect(again.recovery.highestSeq).toBe(2 ** 32 + 6);
    expect(again.append(Buffer.alloc(1))).toBe(2 ** 32 + 7);
    await again.close();

    const edge = await openWal(await tempDir(), { startSeq: Number.MAX_SAFE_INTEGER - 1 });
    expect(edge.wal.append(Buffer.from("a"))).toBe(Number.MAX_SAFE_INTEGER - 1);
    expect(edge.wal.append(Buffer.from("b"))).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => edge.wal.append(Buffer.from("c"))).toThrow(expect.objectContaining({ code: "WAL_SEQUENCE_EXHAUSTED" }));
    await edge.wal.close();
  });

  it("checkpoint deletes the files whose records are all at or below the sequence, never the current one", async () => {
    const dir = await tempDir();
    const { wal } = await openWal(dir, { fileSize: 1000 });
    for (let i = 0; i < 30; i++) wal.append(Buffer.alloc(300, i)); // files start at 1, 4, 7, ... 28
    await wal.flush();
    expect(wal.files.length).toBe(10);
    expect(await wal.checkpoint(5)).toBe(1); // [1..3] goes; [4..6] still holds 6
    expect(await wal.checkpoint(6)).toBe(1);
    expect(wal.files[0]).toBe("wal-0000000000000007.log");
    expect(await wal.checkpoint(1000)).toBe(7); // all but the file being written
    expect(wal.files).toEqual(["wal-000000000000001c.log"]);
    expect(await readdir(dir)).toEqual(["wal-000000000000001c.log"]);
    await wal.close();
    const { wal: again, records } = await openWal(dir);
    expect(records.map((r) => r.seq)).toEqual([28, 29, 30]);
    expect(again.nextSeq).toBe(31);
    await again.close();
  });

  it("close writes and syncs what is pending; then appends are refused", async () => {
    const dir = await tempDir();
    const synced: number[] = [];
    const wal = await WriteAheadLog.open({ dir, batchDelay: 10_000, onSynced: (s) => synced.push(s) });
    wal.append(Buffer.from("one"));
    wal.append(Buffer.from("two"));
    expect(wal.pendingBytes).toBe(16 + 3 + 16 + 3);
    expect(wal.syncedSeq).toBe(0);
    const closing = wal.close();
    expect(wal.close()).toBe(closing);
    expect(() => wal.append(Buffer.from("three"))).toThrow(WalError);
    expect(() => wal.append(Buffer.from("three"))).toThrow(expect.objectContaining({ code: "WAL_CLOSED" }));
    await closing;
    expect(synced).toEqual([2]);
    expect(wal.syncedSeq).toBe(2);
    expect(wal.pendingBytes).toBe(0);
    const { wal: again, records } = await openWal(dir);
    expect(records.map((r) => r.payload.toString())).toEqual(["one", "two"]);
    await again.close();
  });

  it("copies the payload at append, accepts an empty one, refuses one above maxRecordSize", async () => {
    const dir = await tempDir();
    const { wal } = await openWal(dir, { maxRecordSize: 100 });
    const reused = Buffer.from("original");
    wal.append(reused);
    reused.write("changed!");
    wal.append(new Uint8Array(0));
    wal.append(new Uint8Array(100));
    expect(() => wal.append(new Uint8Array(101))).toThrow(expect.objectContaining({ code: "WAL_RECORD_TOO_LARGE" }));
    await wal.close();
    const { wal: again, records } = await openWal(dir, { maxRecordSize: 100 });
    expect(records.map((r) => r.payload.length)).toEqual([8, 0, 100]);
    expect(records[0]?.payload.toString()).toBe("original");
    await again.close();
  });

  it("a record encoded in place: reserve, then commit or cancel; one reservation at a time", async () => {
    const dir = await tempDir();
    const { wal } = await openWal(dir, { maxRecordSize: 100, batchSize: 64 });
    for (let i = 0; i < 20; i++) {
      const room = wal.reserve(5 + (i % 3));
      room.write(`r${i}`.padEnd(room.length, "."));
      if (i % 4 === 3) wal.cancel();
      else expect(wal.commit()).toBe(1 + i - Math.floor(i / 4));
    }
    wal.reserve(1);
    expect(() => wal.reserve(1)).toThrow(/not committed/);
    expect(() => wal.append(Buffer.from("x"))).toThrow(/not committed/);
    wal.cancel();
    expect(() => wal.commit()).toThrow(/nothing reserved/);
    expect(() => wal.reserve(101)).toThrow(expect.objectContaining({ code: "WAL_RECORD_TOO_LARGE" }));
    wal.append(Buffer.from("last"));
    await wal.close();
    const { wal: again, records } = await openWal(dir);
    const kept = Array.from({ length: 20 }, (_, i) => i).filter((i) => i % 4 !== 3);
    expect(records.map((r) => r.payload.toString())).toEqual([...kept.map((i) => `r${i}`.padEnd(5 + (i % 3), ".")), "last"]);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: kept.length + 1 }, (_, i) => i + 1));
    await again.close();
  });

  it("flush resolves once everything appended before it is on disk", async () => {
    const dir = await tempDir();
    const { wal } = await openWal(dir, { batchDelay: 10_000 });
    expect(await wal.flush()).toBe(0); // nothing to flush
    wal.append(Buffer.from("a"));
    const first = wal.flush();
    wal.append(Buffer.from("b"));
    expect(await first).toBeGreaterThanOrEqual(1);
    expect(await wal.flush()).toBe(2);
    expect(wal.stats).toMatchObject({ records: 2, batches: 2, syncs: 2 });
    await wal.close();
  });

  it("refuses options out of range", async () => {
    const dir = await tempDir();
    for (const bad of [{ fileSize: 0 }, { batchSize: -1 }, { batchDelay: 1.5 }, { maxRecordSize: 2 ** 32 }, { startSeq: -1 }, { startSeq: 2 ** 53 }]) {
      await expect(WriteAheadLog.open({ dir, ...bad })).rejects.toMatchObject({ code: "WAL_BAD_OPTION" });
    }
  });
});

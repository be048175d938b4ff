import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { walFileName } from "./file-name.js";
import { RECORD_HEADER_SIZE, writeRecord } from "./record.js";
import { WriteAheadLog } from "./write-ahead-log.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "wal-recovery-"));
  dirs.push(dir);
  return dir;
}

interface Rec {
  seq: number;
  payload: Buffer;
}
async function recover(dir: string, fileSize = 1 << 20): Promise<{ wal: WriteAheadLog; records: Rec[] }> {
  const records: Rec[] = [];
  const wal = await WriteAheadLog.open({ dir, fileSize, batchDelay: 0, onRecord: (seq, payload) => records.push({ seq, payload: Buffer.from(payload) }) });
  return { wal, records };
}

const payloadOf = (i: number): Buffer => Buffer.alloc(20 + ((i * 37) % 90), i & 0xff);

/** Writes records 1..count with payloadOf; returns the file names and where each record ends in its file. */
async function writeLog(dir: string, count: number, fileSize = 1 << 20): Promise<{ files: string[]; ends: number[] }> {
  const wal = await WriteAheadLog.open({ dir, fileSize, batchDelay: 0 });
  const ends: number[] = [];
  let end = 0;
  for (let i = 1; i <= count; i++) {
    const size = RECORD_HEADER_SIZE + payloadOf(i).length;
    end = end !== 0 && end + size > fileSize ? size : end + size;
    ends.push(end);
    wal.append(payloadOf(i));
  }
  await wal.close();
  return { files: (await readdir(dir)).sort(), ends };
}

/** A small deterministic random series (tests must not be flaky). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

function expectOriginals(records: Rec[]): void {
  let last = 0;
  for (const r of records) {
    expect(r.seq).toBeGreaterThan(last);
    expect(r.payload.equals(payloadOf(r.seq))).toBe(true);
    last = r.seq;
  }
}

describe("WAL recovery", () => {
  it("a torn tail cut anywhere leaves a prefix of the records, truncated, and appends go on after it", async () => {
    const source = await tempDir();
    const { files, ends } = await writeLog(source, 40);
    expect(files.length).toBe(1);
    const whole = await readFile(join(source, files[0] as string));
    const rnd = random(4);
    const cuts = new Set<number>([0, 1, 15, 16, 17, whole.length - 1]);
    for (const e of ends) cuts.add(e).add(e - 1).add(e + 1).add(e + RECORD_HEADER_SIZE - 1);
    while (cuts.size < 120) cuts.add(Math.floor(rnd() * whole.length));
    const dir = await tempDir();
    let n = 0;
    for (const cut of cuts) {
      if (cut > whole.length) continue;
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      await writeFile(join(dir, files[0] as string), whole.subarray(0, cut));
      const { wal, records } = await recover(dir);
      const kept = ends.filter((e) => e <= cut).length;
      const goodEnd = kept === 0 ? 0 : (ends[kept - 1] as number);
      // A prefix: 1..kept with no gap; the gap is only at the end.
      expect(records.map((r) => r.seq)).toEqual(Array.from({ length: kept }, (_, i) => i + 1));
      expectOriginals(records);
      expect(wal.recovery).toMatchObject({ tornRecords: cut > goodEnd ? 1 : 0, tornBytes: cut - goodEnd, badCrcRecords: 0, damaged: [] });
      expect((await stat(join(dir, files[0] as string))).size).toBe(goodEnd);
      if (n++ % 4 !== 0) {
        await wal.close();
        continue;
      }
      expect(wal.append(payloadOf(kept + 1))).toBe(kept + 1);
      await wal.close();
      const after = await recover(dir);
      expect(after.records.map((r) => r.seq)).toEqual(Array.from({ length: kept + 1 }, (_, i) => i + 1));
      expect(after.wal.recovery).toMatchObject({ tornBytes: 0, files: 1 });
      await after.wal.close();
    }
  });

  it("a bad crc in the middle is skipped and counted, in any file; later records survive", async () => {
    const dir = await tempDir();
    const { files, ends } = await writeLog(dir, 100, 2048);
    expect(files.length).toBeGreaterThan(2);
    expect(ends.slice(0, 20).every((e, i) => i === 0 || e > (ends[i - 1] as number))).toBe(true); // 20 is in file 1
    expect(ends[98]).toBeGreaterThan(ends[97] as number); // 98 and 99 in the last file
    // Flip a payload octet of record 20 (first file) and of the second-to-last record (last file).
    const flip = async (seq: number, file: string): Promise<void> => {
      const path = join(dir, file);
      const buf = await readFile(path);
      const at = (ends[seq - 1] as number) - 5;
      buf[at] = (buf[at] as number) ^ 0xff;
      await writeFile(path, buf);
    };
    await flip(20, files[0] as string);
    await flip(99, files[files.length - 1] as string);
    const { wal, records } = await recover(dir, 2048);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1).filter((s) => s !== 20 && s !== 99));
    expectOriginals(records);
    expect(wal.recovery).toMatchObject({ records: 98, badCrcRecords: 2, tornRecords: 0, tornBytes: 0, highestSeq: 100, damaged: [] });
    expect(wal.nextSeq).toBe(101);
    await wal.close();
  });

  it("bad records at the very end of the last file are a torn tail: truncated", async () => {
    const dir = await tempDir();
    const { files, ends } = await writeLog(dir, 10);
    const path = join(dir, files[0] as string);
    const buf = await readFile(path);
    for (const seq of [9, 10]) {
      const at = (ends[seq - 1] as number) - 1;
      buf[at] = (buf[at] as number) ^ 1;
    }
    await writeFile(path, buf);
    const { wal, records } = await recover(dir);
    expect(records.length).toBe(8);
    expect(wal.recovery).toMatchObject({ badCrcRecords: 0, tornRecords: 2, tornBytes: (ends[9] as number) - (ends[7] as number) });
    expect((await stat(path)).size).toBe(ends[7]);
    expect(wal.append(Buffer.from("x"))).toBe(9);
    await wal.close();
  });

  it("zeros after the last record (a file extended by a crash) are truncated", async () => {
    const dir = await tempDir();
    const { files, ends } = await writeLog(dir, 10);
    await appendFile(join(dir, files[0] as string), Buffer.alloc(4096));
    const { wal, records } = await recover(dir);
    expect(records.length).toBe(10);
    expect(wal.recovery).toMatchObject({ tornRecords: 1, tornBytes: 4096, badCrcRecords: 0 });
    expect((await stat(join(dir, files[0] as string))).size).toBe(ends[9]);
    await wal.close();
  });

  it("an absurd length in a file that is not the last is read past: only that record is lost, and listed", async () => {
    const dir = await tempDir();
    const { files, ends } = await writeLog(dir, 60, 2048);
    const first = join(dir, files[0] as string);
    const buf = await readFile(first);
    buf.writeUInt32LE(0xfffffff0, (ends[4] as number) + 4); // length of record 6
    await writeFile(first, buf);
    const { wal, records } = await recover(dir, 2048);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1).filter((s) => s !== 6));
    expectOriginals(records);
    expect(wal.recovery.damaged).toEqual([]);
    expect(wal.recovery.skipped).toEqual([
      { file: files[0], offset: ends[4], bytes: (ends[5] as number) - (ends[4] as number), reason: "absurd-length", records: 1 },
    ]);
    expect(wal.recovery).toMatchObject({ skippedRecords: 1, badCrcRecords: 0 });
    await wal.close();
  });

  it("an absurd length in the last file is read past too; appends go on after its last record", async () => {
    const dir = await tempDir();
    const { files, ends } = await writeLog(dir, 10);
    const path = join(dir, files[0] as string);
    const buf = await readFile(path);
    buf.writeUInt32LE(0x7fffffff, (ends[6] as number) + 4); // record 8
    await writeFile(path, buf);
    const { wal, records } = await recover(dir);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 9, 10]);
    expect(wal.recovery).toMatchObject({ skippedRecords: 1, tornBytes: 0, damaged: [] });
    expect((await stat(path)).size).toBe(buf.length);
    expect(wal.append(Buffer.from("new"))).toBe(11);
    await wal.close();
    const again = await recover(dir);
    expect(again.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 9, 10, 11]);
    expect(again.records[9]?.payload.toString()).toBe("new");
    await again.wal.close();
  });

  it("an absurd length with nothing valid after it in the last file leaves the file untouched; appends go to a new file", async () => {
    const dir = await tempDir();
    const { files, ends } = await writeLog(dir, 10);
    const path = join(dir, files[0] as string);
    const buf = await readFile(path);
    buf.writeUInt32LE(0x7fffffff, (ends[8] as number) + 4); // record 10, the last
    await writeFile(path, buf);
    const { wal, records } = await recover(dir);
    expect(records.length).toBe(9);
    expect(wal.recovery.damaged).toMatchObject([{ reason: "absurd-length", offset: ends[8] }]);
    expect((await stat(path)).size).toBe(buf.length);
    expect(wal.append(Buffer.from("new"))).toBe(10);
    await wal.close();
    expect((await readdir(dir)).sort()).toEqual([files[0], walFileName(10)]);
  });

  it("a record cut short in a file that is not the last is damage, not a torn tail", async () => {
    const dir = await tempDir();
    const { files, ends } = await writeLog(dir, 30, 1024);
    const first = join(dir, files[0] as string);
    const buf = await readFile(first);
    await writeFile(first, buf.subarray(0, buf.length - 3));
    const { wal, records } = await recover(dir, 1024);
    const inFirst = ends.findIndex((e, i) => i > 0 && e < (ends[i - 1] as number));
    expect(records.length).toBe(29);
    expect(records.map((r) => r.seq)).not.toContain(inFirst);
    expect(wal.recovery.damaged).toMatchObject([{ file: files[0], reason: "cut-record", offset: ends[inFirst - 2] }]);
    expect(wal.recovery.tornBytes).toBe(0);
    await wal.close();
  });

  it("a record with a good crc and a sequence not above the last one (stale data) is skipped", async () => {
    const dir = await tempDir();
    const buf = Buffer.alloc(1000);
    let o = 0;
    for (const seq of [1, 2, 3, 2, 4]) o = writeRecord(buf, o, seq, payloadOf(seq));
    await writeFile(join(dir, walFileName(1)), buf.subarray(0, o));
    const { wal, records } = await recover(dir);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expectOriginals(records);
    expect(wal.recovery).toMatchObject({ outOfOrderRecords: 1, badCrcRecords: 0, tornBytes: 0 });
    await wal.close();
  });

  it("never throws on random damage; every record it yields is one that was written, in order", async () => {
    const source = await tempDir();
    const { files } = await writeLog(source, 80, 3000);
    const originals = await Promise.all(files.map((f) => readFile(join(source, f))));
    const rnd = random(99);
    const dir = await tempDir();
    for (let round = 0; round < 40; round++) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      for (let f = 0; f < files.length; f++) {
        const buf = Buffer.from(originals[f] as Buffer);
        const flips = Math.floor(rnd() * 4);
        for (let k = 0; k < flips; k++) buf[Math.floor(rnd() * buf.length)] = Math.floor(rnd() * 256);
        const cut = rnd() < 0.3 ? Math.floor(rnd() * buf.length) : buf.length;
        await writeFile(join(dir, files[f] as string), buf.subarray(0, cut));
      }
      const { wal, records } = await recover(dir, 3000);
      expectOriginals(records);
      wal.append(Buffer.from("still works"));
      await wal.close();
    }
  });

  it("an empty directory and an empty file recover to nothing", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, walFileName(7)), Buffer.alloc(0));
    await writeFile(join(dir, "not-a-wal-file.txt"), "ignored");
    const { wal, records } = await recover(dir);
    expect(records).toEqual([]);
    expect(wal.recovery).toMatchObject({ files: 1, records: 0, highestSeq: -1, tornBytes: 0 });
    expect(wal.nextSeq).toBe(7); // never below a file's name
    expect(wal.append(Buffer.from("a"))).toBe(7);
    await wal.close();
    expect((await readdir(dir)).sort()).toEqual(["not-a-wal-file.txt", walFileName(7)]);
  });
});

import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RECORD_HEADER_SIZE, writeRecord } from "./record.js";
import { WriteAheadLog } from "./write-ahead-log.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "wal-resync-"));
  dirs.push(dir);
  return dir;
}

const payloadOf = (i: number): Buffer => Buffer.from(`record ${i} `.padEnd(60 + (i % 40), "."));

async function writeLog(dir: string, payloads: Buffer[]): Promise<string> {
  const wal = await WriteAheadLog.open({ dir });
  for (const p of payloads) wal.append(p);
  await wal.close();
  return join(dir, (await readdir(dir))[0] as string);
}

async function recover(dir: string): Promise<{ wal: WriteAheadLog; seqs: number[]; payloads: Buffer[] }> {
  const seqs: number[] = [];
  const payloads: Buffer[] = [];
  const wal = await WriteAheadLog.open({ dir, onRecord: (seq, p) => (seqs.push(seq), payloads.push(Buffer.from(p))) });
  return { wal, seqs, payloads };
}

describe("WAL recovery resynchronises after damage", () => {
  it("16 octets flipped anywhere in the middle of 20,000 records lose the one or two records they touch, no more", async () => {
    const dir = await tempDir();
    const n = 20_000;
    const file = await writeLog(dir, Array.from({ length: n }, (_, i) => payloadOf(i + 1)));
    const whole = await readFile(file);
    for (const at of [Math.floor(whole.length / 2), Math.floor(whole.length / 3) + 7, 1234567 % whole.length]) {
      const buf = Buffer.from(whole);
      for (let i = at; i < at + 16; i++) buf[i] = (buf[i] as number) ^ 0xff;
      await writeFile(file, buf);
      const { wal, seqs, payloads } = await recover(dir);
      expect(n - seqs.length).toBeGreaterThanOrEqual(1);
      expect(n - seqs.length).toBeLessThanOrEqual(2);
      for (let i = 0; i < seqs.length; i++) expect(payloads[i]?.equals(payloadOf(seqs[i] as number))).toBe(true);
      expect(wal.recovery.skippedRecords).toBe(n - seqs.length);
      expect(wal.recovery.skipped).toHaveLength(1);
      expect(wal.recovery.skipped[0]).toMatchObject({ records: n - seqs.length });
      expect(wal.recovery.tornBytes).toBe(0);
      await wal.close();
      await writeFile(file, whole);
    }
  });

  it("a record quoted inside a message body does not pass for the next one", async () => {
    const dir = await tempDir();
    // record 3's body holds a whole, valid record of sequence 1 (stale) and one of sequence 99 (far ahead)
    const quoted = Buffer.alloc(2 * (RECORD_HEADER_SIZE + 10));
    writeRecord(quoted, writeRecord(quoted, 0, 1, Buffer.alloc(10, 1)), 99, Buffer.alloc(10, 2));
    const payloads = [payloadOf(1), payloadOf(2), Buffer.concat([Buffer.from("body:"), quoted]), payloadOf(4), payloadOf(5)];
    const file = await writeLog(dir, payloads);
    const buf = await readFile(file);
    // damage record 3's header: reading resumes at record 4, not inside record 3's body
    const third = 2 * RECORD_HEADER_SIZE + payloads[0]!.length + payloads[1]!.length;
    buf.writeUInt32LE(0xdeadbeef, third);
    await writeFile(file, buf);
    const r = await recover(dir);
    expect(r.seqs).toEqual([1, 2, 4, 5]);
    expect(r.wal.recovery.skipped).toMatchObject([{ offset: third, reason: "bad-crc", records: 1 }]);
    expect(r.wal.recovery.badCrcRecords).toBe(1);
    await r.wal.close();
  });
});

import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { storageFaults } from "../storage-faults.js";
import { WriteAheadLog } from "./write-ahead-log.js";

const dirs: string[] = [];
afterEach(async () => {
  storageFaults.failWith(null);
  storageFaults.syncDelayMs = 0;
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "wal-faults-"));
  dirs.push(dir);
  return dir;
}

describe("WAL on a full disk", () => {
  it("refuses what was not on disk, resumes in a new file once space is back, and recovers exactly what was synced", async () => {
    const dir = await tempDir();
    const errors: string[] = [];
    const wal = await WriteAheadLog.open({ dir, onError: (e) => errors.push((e as NodeJS.ErrnoException).code ?? "") });
    for (let i = 1; i <= 10; i++) wal.append(Buffer.from(`ok ${i}`));
    await wal.flush();

    storageFaults.failWith("ENOSPC", (w) => w === "wal");
    for (let i = 11; i <= 20; i++) wal.append(Buffer.from(`refused ${i}`));
    await expect(wal.flush()).rejects.toMatchObject({ code: "WAL_FAILED" });
    expect(errors).toEqual(["ENOSPC"]);
    expect(wal.failed).toBe(true);
    expect(wal.pendingBytes).toBe(0);
    expect(() => wal.append(Buffer.from("x"))).toThrow(expect.objectContaining({ code: "WAL_FAILED" }));

    // resuming on a disk still full is harmless: the next batch fails the same way
    await wal.resume();
    expect(wal.failed).toBe(false);
    wal.append(Buffer.from("refused again"));
    await expect(wal.flush()).rejects.toMatchObject({ code: "WAL_FAILED" });
    expect(errors).toEqual(["ENOSPC", "ENOSPC"]);

    storageFaults.failWith(null);
    await wal.resume();
    const seqs: number[] = [];
    for (let i = 1; i <= 5; i++) seqs.push(wal.append(Buffer.from(`after ${i}`)));
    expect(await wal.flush()).toBe(seqs[4]);
    await wal.close();
    expect((await readdir(dir)).length).toBe(2); // the resumed log went on in a file of its own

    const back: string[] = [];
    const again = await WriteAheadLog.open({ dir, onRecord: (_seq, p) => back.push(p.toString()) });
    expect(back).toEqual([...Array.from({ length: 10 }, (_, i) => `ok ${i + 1}`), ...Array.from({ length: 5 }, (_, i) => `after ${i + 1}`)]);
    expect(again.recovery).toMatchObject({ skippedRecords: 0, tornRecords: 0, damaged: [] });
    expect(again.nextSeq).toBe(seqs[4]! + 1);
    await again.close();
  });

  it("closes at once after a failure and a resume with nothing appended since (the refused records are not waited for)", async () => {
    const dir = await tempDir();
    const wal = await WriteAheadLog.open({ dir });
    wal.append(Buffer.from("ok"));
    await wal.flush();
    storageFaults.failWith("ENOSPC", (w) => w === "wal");
    wal.append(Buffer.from("refused"));
    await expect(wal.flush()).rejects.toMatchObject({ code: "WAL_FAILED" });
    await wal.resume();
    expect(await wal.flush()).toBe(1);
    await wal.close();
  });

  it("a slow fdatasync keeps the appended octets pending until it returns", async () => {
    const dir = await tempDir();
    storageFaults.syncDelayMs = 30;
    const wal = await WriteAheadLog.open({ dir, batchSize: 4096 });
    const started = performance.now();
    for (let i = 0; i < 100; i++) wal.append(Buffer.alloc(100));
    expect(wal.pendingBytes).toBe(100 * 116);
    await wal.flush();
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(wal.pendingBytes).toBe(0);
    await wal.close();
  });
});

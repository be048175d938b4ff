/**
 * `pnpm bench`: the WAL's append rate with group commit, and what one fdatasync costs.
 *   appends: RECORDS appends of 300 octets, in one event-loop turn or 100 per turn as a broker
 *            would, then flush (every record on disk): appends/s = hz x RECORDS
 *   latency: one 300-octet record appended and flushed (a write + an fdatasync), against raw fs calls
 * The files go to $WAL_BENCH_DIR or the OS temp dir: on tmpfs fdatasync costs nothing, so point it
 * at the disk the broker will use.
 */
import fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, bench, describe } from "vitest";
import { WriteAheadLog } from "./write-ahead-log.js";

const RECORDS = 10_000;
const PAYLOAD = Buffer.alloc(300, 0x61);
const root = await mkdtemp(join(process.env.WAL_BENCH_DIR ?? tmpdir(), "wal-bench-"));
const grouped = await WriteAheadLog.open({ dir: join(root, "grouped"), batchDelay: 2 }); // 1 MiB batches, 64 MiB files
const immediate = await WriteAheadLog.open({ dir: join(root, "immediate") }); // the default batchDelay, 0
const single = await WriteAheadLog.open({ dir: join(root, "single"), batchDelay: 0 });
const rawFd = fs.openSync(join(root, "raw.log"), "w");
const write = (fd: number, b: Buffer): Promise<number> =>
  new Promise((resolve, reject) => fs.write(fd, b, 0, b.length, null, (err, n) => (err === null ? resolve(n) : reject(err))));
const fdatasync = promisify(fs.fdatasync);
const MiB = Buffer.alloc(1 << 20, 0x62);

afterAll(async () => {
  for (const wal of [grouped, immediate, single]) {
    const s = wal.stats;
    console.log(
      `${wal === grouped ? "grouped" : wal === immediate ? "immediate" : "single"}: ${s.records} records, ${s.batches} batches ` +
        `(${(s.records / Math.max(1, s.batches)).toFixed(0)} records each), write+fdatasync ${(s.syncMs / Math.max(1, s.batches)).toFixed(3)} ms mean`,
    );
    await wal.close();
  }
  fs.closeSync(rawFd);
  await rm(root, { recursive: true, force: true });
});

async function appendMany(wal: WriteAheadLog): Promise<void> {
  for (let i = 0; i < RECORDS; i++) wal.append(PAYLOAD);
  await wal.flush();
  await wal.checkpoint(wal.syncedSeq); // keep the disk use flat: delete the files behind
}

/** As a broker appends: 100 records per event-loop turn (a socket read's worth), 100 turns. */
async function appendPerTurn(wal: WriteAheadLog): Promise<void> {
  for (let turn = 0; turn < 100; turn++) {
    for (let i = 0; i < RECORDS / 100; i++) wal.append(PAYLOAD);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await wal.flush();
  await wal.checkpoint(wal.syncedSeq);
}

describe(`WAL append: ${RECORDS} x 300 octets, then flush`, () => {
  bench("in one turn, batchDelay 2 ms", () => appendMany(grouped));
  bench("in one turn, batchDelay 0 (next turn, default)", () => appendMany(immediate));
  bench("100 per turn, batchDelay 2 ms", () => appendPerTurn(grouped));
  bench("100 per turn, batchDelay 0 (next turn, default)", () => appendPerTurn(immediate));
});

describe("fdatasync latency: one record on disk", () => {
  bench("WAL append + flush, 300 octets", async () => {
    single.append(PAYLOAD);
    await single.flush();
  });
  bench("raw fs.write + fs.fdatasync, 300 octets", async () => {
    await write(rawFd, PAYLOAD);
    await fdatasync(rawFd);
  });
  bench("raw fs.write + fs.fdatasync, 1 MiB (one full batch)", async () => {
    await write(rawFd, MiB);
    await fdatasync(rawFd);
  });
});

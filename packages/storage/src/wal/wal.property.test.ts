/**
 * Property: whatever the interleaving of appends, flushes, event-loop turns, clean reopens and
 * crashes, the log gives back exactly the records it was given, in order, with their sequences;
 * a crash (the directory copied while a write may be in flight, its last file cut anywhere after the
 * synced records, the old process carrying on elsewhere) gives back a prefix of them that holds at
 * least every record reported synced before it.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { nodeIo, type WalIo } from "./io.js";
import { RECORD_HEADER_SIZE, recordLength, recordSequence } from "./record.js";
import { WriteAheadLog } from "./write-ahead-log.js";

type Command =
  | { kind: "append"; sizes: number[] }
  | { kind: "flush" }
  | { kind: "tick" }
  | { kind: "reopen" }
  /** cut: where, between the synced end and the end of the last file, a power loss cuts it (per mille). */
  | { kind: "crash"; cut: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("append" as const), sizes: fc.array(fc.nat(400), { minLength: 1, maxLength: 25 }) }), weight: 6 },
  { arbitrary: fc.constant({ kind: "flush" as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: "tick" as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: "reopen" as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("crash" as const), cut: fc.integer({ min: 0, max: 1000 }) }), weight: 1 },
);

interface Rec {
  seq: number;
  payload: Buffer;
}

let root = "";
afterAll(async () => {
  if (root !== "") await rm(root, { recursive: true, force: true });
});

describe("WAL property", () => {
  it("any interleaving of appends, reopens and crashes gives back exactly the synced records", async () => {
    root = await mkdtemp(join(tmpdir(), "wal-property-"));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 1, maxLength: 30 }),
        fc.record({ fileSize: fc.integer({ min: 200, max: 4000 }), batchSize: fc.integer({ min: 1, max: 3000 }), batchDelay: fc.integer({ min: 0, max: 2 }) }),
        fc.boolean(),
        async (commands, config, slowDisk) => {
          let dir = join(root, `run-${run++}`);
          let counter = 0;
          let synced = 0;
          let model: Rec[] = [];
          let generation = 0;
          const open = async (at: string): Promise<{ wal: WriteAheadLog; records: Rec[] }> => {
            const records: Rec[] = [];
            const mine = ++generation; // an abandoned (crashed) log's late syncs do not count
            const wal = await WriteAheadLog.open({
              ...config,
              ...(slowDisk ? { io: slowSyncIo } : {}),
              dir: at,
              onRecord: (seq, payload) => records.push({ seq, payload: Buffer.from(payload) }),
              onSynced: (seq) => {
                if (mine === generation) synced = seq;
              },
            });
            synced = wal.syncedSeq; // what recovery read is on disk
            return { wal, records };
          };
          let { wal } = await open(dir);
          for (const c of commands) {
            if (c.kind === "append") {
              for (const size of c.sizes) {
                const payload = Buffer.alloc(size, counter & 0xff);
                if (size >= 4) payload.writeUInt32BE(counter, 0);
                counter++;
                const seq = wal.append(payload);
                if (model.length > 0) expect(seq).toBeGreaterThan((model[model.length - 1] as Rec).seq);
                model.push({ seq, payload });
              }
            } else if (c.kind === "flush") {
              await wal.flush();
              expect(synced).toBe(model[model.length - 1]?.seq ?? synced);
            } else if (c.kind === "tick") {
              await new Promise((resolve) => setImmediate(resolve));
            } else if (c.kind === "reopen") {
              await wal.close();
              const next = await open(dir);
              expect(next.records).toEqual(model);
              expect(next.wal.recovery.tornBytes).toBe(0);
              wal = next.wal;
            } else {
              // Crash: copy the directory now, while a write may be under way on the thread pool.
              expect(synced).toBe(wal.syncedSeq);
              const mustHave = model.filter((r) => r.seq <= synced).length;
              const copy = `${dir}-crash`;
              snapshot(dir, copy, synced, c.cut);
              await wal.close(); // the old process's writes land in the old directory only
              dir = copy;
              const next = await open(dir);
              expect(next.records.length).toBeGreaterThanOrEqual(mustHave);
              expect(next.records).toEqual(model.slice(0, next.records.length));
              model = next.records;
              wal = next.wal;
            }
          }
          await wal.close();
          const last = await open(dir);
          expect(last.records).toEqual(model);
          await last.wal.close();
        },
      ),
      { numRuns: 50 },
    );
  }, 120_000); // 50 runs of real files and fdatasyncs: 20 s alone at load 19, over 30 s in a loaded CI
});

/** A disk whose fdatasync takes a while: written-but-unsynced bytes are there for a crash to cut. */
const slowSyncIo: WalIo = {
  ...nodeIo,
  fdatasync: (fd, cb) => nodeIo.fdatasync(fd, (err) => setTimeout(() => cb(err), 1)),
};

/**
 * What a crash at this instant could leave on disk: the WAL files as plain reads see them, the last
 * one cut anywhere after its synced records (a power loss keeps any prefix of unsynced writes).
 */
function snapshot(from: string, to: string, syncedSeq: number, cut: number): void {
  mkdirSync(to);
  const names = readdirSync(from).sort();
  names.forEach((name, i) => {
    let data = readFileSync(join(from, name));
    if (i === names.length - 1) {
      let syncedEnd = 0;
      while (syncedEnd + RECORD_HEADER_SIZE <= data.length && recordSequence(data, syncedEnd) <= syncedSeq) {
        syncedEnd += RECORD_HEADER_SIZE + recordLength(data, syncedEnd);
      }
      data = data.subarray(0, syncedEnd + Math.floor((cut * (data.length - syncedEnd)) / 1000));
    }
    writeFileSync(join(to, name), data);
  });
}

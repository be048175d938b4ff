/**
 * Recovery: read every WAL file in order and hand each valid record to the caller, never throwing on
 * what a crash or a bad disk leaves behind. Each file is read in chunks into one reused buffer
 * (grown only for a record larger than it), so recovery holds a few MiB whatever the log's size.
 *
 * Walking a file, at each record:
 *   - fewer than 16 octets left, or a header whose length runs past the end of the file: a record cut
 *     short (the process died mid-write);
 *   - an all-zero header: the end of written data (a file extended with zeros by a crash);
 *   - a length above maxRecordSize: absurd, the length itself is corrupt. Reading that file stops
 *     there: the next record cannot be found;
 *   - a crc that does not match, or a sequence not above the last good one (stale bytes of a deleted
 *     file, say): the record is skipped and counted, and its length is trusted to find the next one.
 *
 * In the LAST file, whatever follows the last good record, when it ends in a cut record, zeros or bad
 * records, is the torn tail of an interrupted write: it is truncated away (those records were never
 * synced, so never confirmed) and the WAL appends after the last good record. When the last file
 * stops on an absurd length it is left as it is (there may be good records after the damage) and
 * appends go to a new file. In any other file, stopping early is reported as damage.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import { listWalFiles, type WalFile } from "./file-name.js";
import { scanFile } from "./scan-file.js";

/** Called once per valid record, in sequence order; `payload` is valid only during the call. */
export type WalRecordHandler = (seq: number, payload: Buffer) => void;

export interface WalDamage {
  /** File name, e.g. `wal-0000000000000001.log`. */
  readonly file: string;
  /** Where reading the file stopped. */
  readonly offset: number;
  /** Octets from there to the end of the file, not read. */
  readonly bytes: number;
  readonly reason: "absurd-length" | "cut-record" | "zero-fill" | "bad-crc";
}

/** A damaged stretch in the middle of a file, read past by resynchronising on the next valid record. */
export interface WalSkip extends WalDamage {
  /** Records lost in it: the sequences missing between the records on either side. */
  readonly records: number;
}

/** What recovery found: for the broker to log. */
export interface WalRecoverySummary {
  /** WAL files read. */
  files: number;
  /** Valid records handed to onRecord. */
  records: number;
  /** Octets of those records, headers included. */
  bytes: number;
  /** Sequence of the last valid record; -1 when there is none. */
  highestSeq: number;
  /** Records at the tail of the last file cut short or unreadable, truncated away. */
  tornRecords: number;
  /** Octets truncated from the tail of the last file. */
  tornBytes: number;
  /** Records lost in damaged stretches that began with a crc that does not match (the file went on after them). */
  badCrcRecords: number;
  /** Records lost in damaged stretches of any kind, read past (the sequences missing). */
  skippedRecords: number;
  /** Octets of those stretches. */
  skippedBytes: number;
  /** Each such stretch: file, offset, octets, what began it, records lost. */
  skipped: WalSkip[];
  /** Records skipped with a good crc but a sequence not above the one before (stale data). */
  outOfOrderRecords: number;
  /** Files whose reading stopped before their end (other than the torn tail of the last file). */
  damaged: WalDamage[];
  /** Milliseconds recovery took. */
  durationMs: number;
}

/** Where the WAL goes on after recovery. */
export interface WalRecovery {
  readonly summary: WalRecoverySummary;
  /** The WAL files on disk, oldest first. */
  readonly files: WalFile[];
  /** The last file and its length when appends continue in it; null when they need a new file. */
  readonly appendTo: { readonly file: WalFile; readonly position: number } | null;
  /** The first sequence of the last file (0 when there is none): the next sequence is at least that. */
  readonly lastFileSeq: number;
}

const CHUNK = 4 * 1024 * 1024;

export async function recoverWal(dir: string, onRecord: WalRecordHandler, maxRecordSize: number): Promise<WalRecovery> {
  const started = performance.now();
  const files = await listWalFiles(dir);
  const summary: WalRecoverySummary = {
    files: files.length,
    records: 0,
    bytes: 0,
    highestSeq: -1,
    tornRecords: 0,
    tornBytes: 0,
    badCrcRecords: 0,
    skippedRecords: 0,
    skippedBytes: 0,
    skipped: [],
    outOfOrderRecords: 0,
    damaged: [],
    durationMs: 0,
  };
  let appendTo: WalRecovery["appendTo"] = null;
  const reader = { buf: Buffer.allocUnsafe(CHUNK) };
  for (let i = 0; i < files.length; i++) {
    const file = files[i] as WalFile;
    const last = i === files.length - 1;
    const fh = await open(join(dir, file.name), last ? "r+" : "r");
    try {
      const scan = await scanFile(fh, file, reader, summary, onRecord, maxRecordSize);
      if (last && scan.stop !== "absurd-length") {
        if (scan.goodEnd < scan.size) {
          summary.outOfOrderRecords -= scan.trailingOutOfOrder;
          summary.tornRecords = scan.trailingOutOfOrder + scan.tornRecords;
          summary.tornBytes = scan.size - scan.goodEnd;
          await fh.truncate(scan.goodEnd);
          await fh.sync();
        }
        appendTo = { file, position: scan.goodEnd };
      } else if (scan.stop !== null) {
        summary.damaged.push({ file: file.name, offset: scan.stopAt, bytes: scan.size - scan.stopAt, reason: scan.stop });
      }
    } finally {
      await fh.close();
    }
  }
  summary.durationMs = performance.now() - started;
  const lastFile = files[files.length - 1];
  return { summary, files, appendTo, lastFileSeq: lastFile === undefined ? 0 : lastFile.firstSeq };
}


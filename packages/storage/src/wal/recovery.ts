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
import { isZeroHeader, RECORD_HEADER_SIZE, recordCrcMatches, recordLength, recordSequence } from "./record.js";

/** Called once per valid record, in sequence order; `payload` is valid only during the call. */
export type WalRecordHandler = (seq: number, payload: Buffer) => void;

export interface WalDamage {
  /** File name, e.g. `wal-0000000000000001.log`. */
  readonly file: string;
  /** Where reading the file stopped. */
  readonly offset: number;
  /** Octets from there to the end of the file, not read. */
  readonly bytes: number;
  readonly reason: "absurd-length" | "cut-record" | "zero-fill";
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
  /** Records skipped for a crc that does not match (the file went on after them). */
  badCrcRecords: number;
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

/** How reading one file ended. */
interface FileScan {
  /** Reading stopped early at `stopAt` for this reason; null when the file was read to its end. */
  stop: WalDamage["reason"] | null;
  stopAt: number;
  size: number;
  /** Offset after the last good record. */
  goodEnd: number;
  /** Skipped records since the last good one: moved to the torn count if the tail is cut. */
  trailingBadCrc: number;
  trailingOutOfOrder: number;
}

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
      const scan = await scanFile(fh, reader, summary, onRecord, maxRecordSize);
      if (last && scan.stop !== "absurd-length") {
        if (scan.goodEnd < scan.size) {
          summary.badCrcRecords -= scan.trailingBadCrc;
          summary.outOfOrderRecords -= scan.trailingOutOfOrder;
          summary.tornRecords = scan.trailingBadCrc + scan.trailingOutOfOrder + (scan.stop === null ? 0 : 1);
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

type FileHandle = Awaited<ReturnType<typeof open>>;

async function scanFile(
  fh: FileHandle,
  reader: { buf: Buffer },
  summary: WalRecoverySummary,
  onRecord: WalRecordHandler,
  maxRecordSize: number,
): Promise<FileScan> {
  let size = (await fh.stat()).size;
  const scan: FileScan = { stop: null, stopAt: 0, size, goodEnd: 0, trailingBadCrc: 0, trailingOutOfOrder: 0 };
  let buf = reader.buf;
  let base = 0; // file offset of buf[0]
  let have = 0; // octets of the file in buf
  let p = 0; // offset in buf of the next record

  // Moves the unread octets to the front of buf and reads until `need` octets from p are in (or EOF).
  const fill = async (need: number): Promise<void> => {
    if (need > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
      buf.copy(bigger, 0, p, have);
      reader.buf = buf = bigger;
    } else {
      buf.copyWithin(0, p, have);
    }
    base += p;
    have -= p;
    p = 0;
    while (have < need && base + have < size) {
      const { bytesRead } = await fh.read(buf, have, Math.min(buf.length - have, size - base - have), base + have);
      if (bytesRead === 0) size = scan.size = base + have; // the file shrank under us: its end is here
      have += bytesRead;
    }
  };

  for (;;) {
    const left = size - (base + p);
    if (left === 0) break;
    if (left < RECORD_HEADER_SIZE) {
      scan.stop = "cut-record";
      break;
    }
    if (have - p < RECORD_HEADER_SIZE) {
      await fill(RECORD_HEADER_SIZE);
      continue;
    }
    if (isZeroHeader(buf, p)) {
      scan.stop = "zero-fill";
      break;
    }
    const length = recordLength(buf, p);
    if (length > maxRecordSize) {
      scan.stop = "absurd-length";
      break;
    }
    const total = RECORD_HEADER_SIZE + length;
    if (total > left) {
      scan.stop = "cut-record";
      break;
    }
    if (have - p < total) {
      await fill(total);
      continue;
    }
    const seq = recordSequence(buf, p);
    if (!recordCrcMatches(buf, p, length)) {
      summary.badCrcRecords++;
      scan.trailingBadCrc++;
    } else if (seq <= summary.highestSeq) {
      // seq is -1 when it is beyond 2^53 - 1: never written by the WAL, so out of order too.
      summary.outOfOrderRecords++;
      scan.trailingOutOfOrder++;
    } else {
      summary.highestSeq = seq;
      summary.records++;
      summary.bytes += total;
      onRecord(seq, buf.subarray(p + RECORD_HEADER_SIZE, p + total));
      scan.goodEnd = base + p + total;
      scan.trailingBadCrc = 0;
      scan.trailingOutOfOrder = 0;
    }
    p += total;
  }
  scan.stopAt = base + p;
  return scan;
}

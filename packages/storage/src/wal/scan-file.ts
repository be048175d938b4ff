/**
 * Reading one WAL file at recovery (recovery.ts): every valid record in order, reading past damage.
 * The file is read in chunks into one reused buffer (grown only for a record larger than it).
 *
 * A record that does not check begins a damaged stretch. From the next octet on, each offset is
 * tried as the start of a record: a header whose length fits in the file, whose sequence is above
 * the last good one by at most the records the stretch could hold (each takes 16 octets or more:
 * sequences are consecutive within a file, so the lost records are all in the stretch), and whose
 * crc then matches. A false match needs both the sequence and
 * the CRC-32 to come out right by chance (about 2^-32 per offset even before the sequence window),
 * so it is negligible; the sequence window also keeps a record quoted inside a message body from
 * matching unless it is the very one expected. The tries are cheap (four header reads; the crc only
 * for a sequence in the window), so a stretch costs about a memory scan.
 */
import type { open } from "node:fs/promises";
import type { WalFile } from "./file-name.js";
import { isZeroHeader, RECORD_HEADER_SIZE, recordCrcMatches, recordLength, recordSequence } from "./record.js";
import type { WalDamage, WalRecordHandler, WalRecoverySummary } from "./recovery.js";

type FileHandle = Awaited<ReturnType<typeof open>>;

/** How reading one file ended. */
export interface FileScan {
  /** A damaged stretch ran to the end of the file, from `stopAt`, begun for this reason; null when none. */
  stop: WalDamage["reason"] | null;
  stopAt: number;
  size: number;
  /** Offset after the last good record. */
  goodEnd: number;
  /** Records in that last stretch, counted by walking the lengths in it (the torn records). */
  tornRecords: number;
  /** Stale records since the last good one: moved to the torn count if the tail is cut. */
  trailingOutOfOrder: number;
}

export async function scanFile(
  fh: FileHandle,
  file: WalFile,
  reader: { buf: Buffer },
  summary: WalRecoverySummary,
  onRecord: WalRecordHandler,
  maxRecordSize: number,
): Promise<FileScan> {
  let size = (await fh.stat()).size;
  const scan: FileScan = { stop: null, stopAt: 0, size, goodEnd: 0, tornRecords: 0, trailingOutOfOrder: 0 };
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

  // The damaged stretch being read past: where it began (-1: none), why, and a walk by its lengths.
  let damageAt = -1;
  let reason: WalDamage["reason"] = "bad-crc";
  let hops = 0;
  let hopAt = -1;

  for (;;) {
    const pos = base + p;
    const left = size - pos;
    if (left === 0 || (damageAt >= 0 && left < RECORD_HEADER_SIZE)) break;
    if (left >= RECORD_HEADER_SIZE && have - p < RECORD_HEADER_SIZE) {
      await fill(RECORD_HEADER_SIZE);
      continue;
    }
    // What the header at p says, from its 16 octets alone.
    let fault: WalDamage["reason"] | null = null;
    let total = 0;
    let seq = -1;
    if (left < RECORD_HEADER_SIZE) fault = "cut-record";
    else if (isZeroHeader(buf, p)) fault = "zero-fill";
    else {
      const length = recordLength(buf, p);
      total = RECORD_HEADER_SIZE + length;
      if (length > maxRecordSize) fault = "absurd-length";
      else if (total > left) fault = "cut-record";
      else seq = recordSequence(buf, p);
    }
    const expected = Math.max(summary.highestSeq, file.firstSeq - 1);
    const candidate =
      fault === null &&
      (damageAt < 0 || (seq > expected && seq <= expected + 1 + Math.floor((pos - damageAt) / RECORD_HEADER_SIZE)));
    if (candidate && have - p < total) {
      await fill(total);
      continue;
    }
    const good = candidate && recordCrcMatches(buf, p, total - RECORD_HEADER_SIZE);

    if (damageAt >= 0) {
      if (pos === hopAt) {
        hops++;
        hopAt = fault === null ? pos + total : -1;
      }
      if (!good) {
        p++;
        continue;
      }
      // Resynchronised: the stretch is behind us.
      const lost = seq - expected - 1;
      summary.skipped.push({ file: file.name, offset: damageAt, bytes: pos - damageAt, reason, records: lost });
      summary.skippedRecords += lost;
      summary.skippedBytes += pos - damageAt;
      if (reason === "bad-crc") summary.badCrcRecords += lost;
      damageAt = -1;
    } else if (!good) {
      damageAt = pos;
      reason = fault ?? "bad-crc";
      hops = 1;
      hopAt = fault === null ? pos + total : -1;
      p++;
      continue;
    }
    if (seq <= summary.highestSeq) {
      // A good crc but not above the last good sequence: stale data (seq is -1 beyond 2^53 - 1).
      summary.outOfOrderRecords++;
      scan.trailingOutOfOrder++;
    } else {
      summary.highestSeq = seq;
      summary.records++;
      summary.bytes += total;
      onRecord(seq, buf.subarray(p + RECORD_HEADER_SIZE, p + total));
      scan.goodEnd = pos + total;
      scan.trailingOutOfOrder = 0;
    }
    p += total;
  }
  if (damageAt >= 0) {
    scan.stop = reason;
    scan.stopAt = damageAt;
    scan.tornRecords = hops;
  } else {
    scan.stopAt = base + p;
  }
  return scan;
}

/**
 * The ack file of one segment: a header, then one record per flush holding the indexes
 * acknowledged since the previous flush, as a roaring bitmap in the portable format (the one
 * CRoaring, Java and Go read alike). Recovery ORs the records together.
 *
 *   header (16 octets)
 *    0       4         6          8            12        16
 *    +-------+---------+----------+------------+---------+
 *    | magic | version | reserved | generation |  crc32  |
 *    | AQAK  |  u16    |   u16    |   u32 LE   | of 0-12 |
 *    +-------+---------+----------+------------+---------+
 *
 *   record (one per flush)
 *    0         4         8
 *    +---------+---------+=====================================+
 *    |  crc32  | length  | RoaringBitmap32, portable (length)  |
 *    +---------+---------+=====================================+
 *              \___ crc32 covers octets [4, 8 + length) ______/
 *
 * `generation` must equal the segment file's: after a compaction renumbers the segment, an ack
 * file of the old numbering is recognised and never applied to the new one.
 * Append-only, so a crash can only tear the last record: the acks of the last flush.
 *
 * A record that does not check (damage, not a crash) is skipped and reading resynchronises on the
 * next offset holding a record whose crc matches, so one damaged flush loses only its own acks:
 * those messages are delivered again (never lost), and the caller warns, naming the file.
 */
import { RoaringBitmap32 } from "./roaring.js";
import type { RoaringBitmap32 as Bitmap } from "roaring";
import { readFile, rename, rm, truncate } from "node:fs/promises";
import { crc32 } from "node:zlib";
import { errorCode } from "./file-io.js";


export const ACK_HEADER_SIZE = 16;
const ACK_RECORD_HEADER_SIZE = 8;
const MAGIC = 0x4b415141; // "AQAK" read as u32 LE
const VERSION = 1;

/** One flush's bytes: the header first when the file is new (`generation` >= 0), then a record. */
export function encodeAckRecord(acked: Bitmap, generation: number): Buffer {
  const bodyLen = acked.getSerializationSizeInBytes("portable");
  const head = generation >= 0 ? ACK_HEADER_SIZE : 0;
  const buf = Buffer.allocUnsafe(head + ACK_RECORD_HEADER_SIZE + bodyLen);
  if (head > 0) {
    buf.writeUInt32LE(MAGIC, 0);
    buf.writeUInt16LE(VERSION, 4);
    buf.writeUInt16LE(0, 6);
    buf.writeUInt32LE(generation, 8);
    buf.writeUInt32LE(crc32(buf.subarray(0, 12)), 12);
  }
  acked.serialize("portable", buf.subarray(head + ACK_RECORD_HEADER_SIZE));
  buf.writeUInt32LE(bodyLen, head + 4);
  buf.writeUInt32LE(crc32(buf.subarray(head + 4)), head);
  return buf;
}

/** The generation in the header of `file`, or -1 when the header is missing or corrupt. */
export function ackFileGeneration(file: Buffer): number {
  if (file.length < ACK_HEADER_SIZE || file.readUInt32LE(0) !== MAGIC || file.readUInt16LE(4) !== VERSION) return -1;
  if (file.readUInt32LE(12) !== crc32(file.subarray(0, 12))) return -1;
  return file.readUInt32LE(8);
}

export interface ParsedAckFile {
  readonly acked: Bitmap;
  readonly records: number;
  /** Damaged stretches skipped (each at least one record: the acks of a flush or more). */
  readonly corrupt: number;
  /** Where good data ends; < file length when the tail is torn (the caller truncates there). */
  readonly end: number;
}

/** Reads the records after the header (whose generation the caller has checked). Never throws. */
export function parseAckFile(file: Buffer): ParsedAckFile {
  const acked = new RoaringBitmap32();
  let records = 0;
  let corrupt = 0;
  let p = ACK_HEADER_SIZE;
  let end = p;
  let damaged = false;
  while (p + ACK_RECORD_HEADER_SIZE <= file.length) {
    const next = p + ACK_RECORD_HEADER_SIZE + file.readUInt32LE(p + 4);
    if (next <= file.length && file.readUInt32LE(p) === crc32(file.subarray(p + 4, next)) && orInto(acked, file.subarray(p + ACK_RECORD_HEADER_SIZE, next))) {
      records++;
      p = end = next;
      damaged = false;
      continue;
    }
    // Not a record here: count the stretch once, then try the next offset. Losing acks only
    // means redelivery, never loss.
    if (!damaged) corrupt++;
    damaged = true;
    p++;
  }
  // A stretch that runs to the end is a torn tail (the last flush, cut by a crash): cut it off.
  if (damaged && end < file.length) corrupt--;
  return { acked, records, corrupt, end };
}

function orInto(acked: Bitmap, body: Buffer): boolean {
  try {
    acked.orInPlace(RoaringBitmap32.deserialize(body, "portable"));
    return true;
  } catch {
    return false;
  }
}

/** What loading one segment's ack file found. */
export interface AckLoadResult {
  readonly acked: number;
  /** Damaged stretches skipped in the middle of the file (their acks are lost: redelivered). */
  readonly corruptRecords: number;
  /** The header did not check: the whole file was ignored (its acks are lost: redelivered). */
  readonly corruptHeader: boolean;
  /** Octets of a torn tail cut off. */
  readonly tornBytes: number;
  /** The file was of another generation (or its header corrupt) and was ignored. */
  readonly discarded: boolean;
}

/**
 * Recovery of one ack file: checks its generation (falling back to a `.tmp` of the right one, which
 * a compaction that crashed between its two renames leaves), ORs its records, cuts a torn tail.
 */
export async function loadAckFile(
  path: string,
  generation: number,
): Promise<{ readonly acked: Bitmap; readonly fileBytes: number; readonly result: AckLoadResult }> {
  let file = await readOrNull(path);
  let discarded = false;
  const corruptHeader = file !== null && ackFileGeneration(file) < 0;
  if (file === null || ackFileGeneration(file) !== generation) {
    const tmp = await readOrNull(`${path}.tmp`);
    if (tmp !== null && ackFileGeneration(tmp) === generation) {
      await rename(`${path}.tmp`, path);
      file = tmp;
    } else if (file !== null) {
      await rm(path);
      file = null;
      discarded = true;
    }
  }
  await rm(`${path}.tmp`, { force: true });
  if (file === null) return { acked: new RoaringBitmap32(), fileBytes: 0, result: { acked: 0, corruptRecords: 0, corruptHeader, tornBytes: 0, discarded } };
  const parsed = parseAckFile(file);
  if (parsed.end < file.length) await truncate(path, parsed.end);
  const result = { acked: parsed.acked.size, corruptRecords: parsed.corrupt, corruptHeader, tornBytes: file.length - parsed.end, discarded };
  return { acked: parsed.acked, fileBytes: parsed.end, result };
}

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (e) {
    if (errorCode(e) === "ENOENT") return null;
    throw e;
  }
}

/**
 * The bytes of a segment file: a 32-octet header, then records back to back.
 *
 * Segment header (once, at offset 0):
 *
 *    0       4         6       8                 16                24           28        32
 *    +-------+---------+-------+-----------------+-----------------+------------+---------+
 *    | magic | version | flags |    segmentId    |    firstSeq     | generation |  crc32  |
 *    | AQSG  |  u16    |  u16  | u64 LE (lo, hi) | u64 LE (lo, hi) |   u32 LE   | of 0-28 |
 *    +-------+---------+-------+-----------------+-----------------+------------+---------+
 *
 * - `firstSeq` is the sequence number of record 0: a record's sequence is firstSeq + seqOffset, so
 *   records need only 32 bits for it and the global counter survives the deletion of every
 *   message (a new, empty segment carries it on).
 * - `generation` grows by one at each compaction of the segment; the ack file names the generation
 *   its indexes belong to (a crash between the two renames of a compaction is then detected).
 * - flag COMPACTED: records keep their original seqOffset, so sequences have gaps.
 *
 * Record:
 *
 *    0         4         8         12          16
 *    +---------+---------+---------+-----------+===========================+
 *    |  crc32  | length  |  index  | seqOffset |  payload (length octets)  |
 *    |  u32 LE | u32 LE  |  u32 LE |  u32 LE   |                           |
 *    +---------+---------+---------+-----------+===========================+
 *              \_____________ crc32 covers octets [4, 16 + length) _________/
 *
 * - crc32 first so the octets it covers are contiguous: one native `zlib.crc32` call per record.
 * - `index` is written although it is the record's ordinal: when recovery skips a corrupt record,
 *   the next good one still knows its index, so acks (kept by index) still point at the right
 *   messages. `seqOffset` equals `index` until the segment is compacted.
 * - An all-zero header never checks (crc32 of 12 zero octets is not 0): zeros left at the end of a
 *   file by a crash read as a torn tail.
 */
import { crc32 } from "node:zlib";

export const SEGMENT_HEADER_SIZE = 32;
export const RECORD_HEADER_SIZE = 16;
export const FORMAT_VERSION = 1;
export const FLAG_COMPACTED = 1;

const MAGIC = 0x47535141; // "AQSG" read as u32 LE
const TWO_32 = 4294967296;

export interface SegmentHeader {
  readonly segmentId: number;
  readonly firstSeq: number;
  readonly generation: number;
  readonly flags: number;
}

export function writeU64(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt32LE(value >>> 0, offset);
  buf.writeUInt32LE(Math.floor(value / TWO_32), offset + 4);
}

/** A u64, or -1 when it is above 2^53 - 1 (never written by us, so corrupt). */
export function readU64(buf: Buffer, offset: number): number {
  const hi = buf.readUInt32LE(offset + 4);
  if (hi > 0x1fffff) return -1;
  return hi * TWO_32 + buf.readUInt32LE(offset);
}

/** Writes a segment header at `offset` and returns the offset after it. */
export function writeSegmentHeader(buf: Buffer, offset: number, h: SegmentHeader): number {
  buf.writeUInt32LE(MAGIC, offset);
  buf.writeUInt16LE(FORMAT_VERSION, offset + 4);
  buf.writeUInt16LE(h.flags, offset + 6);
  writeU64(buf, offset + 8, h.segmentId);
  writeU64(buf, offset + 16, h.firstSeq);
  buf.writeUInt32LE(h.generation, offset + 24);
  buf.writeUInt32LE(crc32(buf.subarray(offset, offset + 28)), offset + 28);
  return offset + SEGMENT_HEADER_SIZE;
}

/** The header at the start of `buf`, or null when it is short, foreign or corrupt. */
export function readSegmentHeader(buf: Buffer): SegmentHeader | null {
  if (buf.length < SEGMENT_HEADER_SIZE) return null;
  if (buf.readUInt32LE(0) !== MAGIC || buf.readUInt16LE(4) !== FORMAT_VERSION) return null;
  if (buf.readUInt32LE(28) !== crc32(buf.subarray(0, 28))) return null;
  const segmentId = readU64(buf, 8);
  const firstSeq = readU64(buf, 16);
  if (segmentId < 0 || firstSeq < 0) return null;
  return { segmentId, firstSeq, generation: buf.readUInt32LE(24), flags: buf.readUInt16LE(6) };
}

/**
 * Writes one record into `buf` at `offset` (the caller made room for RECORD_HEADER_SIZE +
 * payload.length octets) and returns the offset after it.
 */
export function writeRecord(buf: Buffer, offset: number, index: number, seqOffset: number, payload: Uint8Array): number {
  const end = offset + RECORD_HEADER_SIZE + payload.length;
  buf.writeUInt32LE(payload.length, offset + 4);
  buf.writeUInt32LE(index, offset + 8);
  buf.writeUInt32LE(seqOffset, offset + 12);
  buf.set(payload, offset + RECORD_HEADER_SIZE);
  buf.writeUInt32LE(crc32(buf.subarray(offset + 4, end)), offset);
  return end;
}

/** Payload length from the header at `offset` (trusted only once the crc matched). */
export function recordLength(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset + 4);
}

export function recordIndex(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset + 8);
}

export function recordSeqOffset(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset + 12);
}

/** Whether the record at `offset`, with a `length`-octet payload all inside `buf`, checks. */
export function recordCrcMatches(buf: Buffer, offset: number, length: number): boolean {
  return buf.readUInt32LE(offset) === crc32(buf.subarray(offset + 4, offset + RECORD_HEADER_SIZE + length));
}

/**
 * One WAL record on disk: a 16-octet header the WAL adds, then the caller's payload, unchanged.
 *
 *    0         4         8                   16
 *    +---------+---------+-------------------+==========================+
 *    |  crc32  | length  |     sequence      |   payload (length octets) |
 *    |  u32 LE | u32 LE  | u64 LE (lo, hi)   |                          |
 *    +---------+---------+-------------------+==========================+
 *              \____________ crc32 covers octets [4, 16 + length) ______/
 *
 * - crc32 is zlib's CRC-32 (the one of gzip and PNG). It covers the length and the sequence too, so a
 *   flipped bit in the header is caught like one in the payload.
 * - crc32 comes first so the bytes it covers are contiguous: one native `zlib.crc32` call per record.
 * - Little-endian: the byte order of every machine we run on; nothing else reads these files.
 * - The sequence is a u64 on disk; in memory it is a `number` checked to stay within 2^53 - 1
 *   (`MAX_SEQUENCE`): at a million records a second that is 285 years.
 * - An all-zero header is never valid (crc32 of 12 zero octets is not 0): recovery reads it as the
 *   end of written data (a file extended with zeros by a crash, or preallocated).
 *
 * Records never span two files: the file format is just records back to back, from offset 0.
 */
import { crc32 } from "node:zlib";

export const RECORD_HEADER_SIZE = 16;
export const MAX_SEQUENCE = Number.MAX_SAFE_INTEGER;

const TWO_32 = 4294967296;

/**
 * Writes the record `seq`/`payload` into `buf` at `offset` (the caller made room for
 * RECORD_HEADER_SIZE + payload.length octets) and returns the offset after it.
 */
export function writeRecord(buf: Buffer, offset: number, seq: number, payload: Uint8Array): number {
  buf.set(payload, offset + RECORD_HEADER_SIZE);
  return sealRecord(buf, offset, seq, payload.length);
}

/**
 * Writes the header of the record `seq` at `offset` whose `length` payload octets are already in
 * place after it (encoded there by the caller), crc included; returns the offset after the record.
 */
export function sealRecord(buf: Buffer, offset: number, seq: number, length: number): number {
  const end = offset + RECORD_HEADER_SIZE + length;
  buf.writeUInt32LE(length, offset + 4);
  buf.writeUInt32LE(seq >>> 0, offset + 8);
  buf.writeUInt32LE(Math.floor(seq / TWO_32), offset + 12);
  buf.writeUInt32LE(crc32(buf.subarray(offset + 4, end)), offset);
  return end;
}

/** The payload length in the header at `offset` (trusted only to find the next record). */
export function recordLength(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset + 4);
}

/**
 * The sequence in the header at `offset`, or -1 when it is above MAX_SEQUENCE (the WAL never writes
 * one, so the record is corrupt even if its crc matches).
 */
export function recordSequence(buf: Buffer, offset: number): number {
  const hi = buf.readUInt32LE(offset + 12);
  if (hi > 0x1fffff) return -1;
  return hi * TWO_32 + buf.readUInt32LE(offset + 8);
}

/** Whether the crc of the record at `offset`, whose payload has `length` octets (all in `buf`), matches. */
export function recordCrcMatches(buf: Buffer, offset: number, length: number): boolean {
  return buf.readUInt32LE(offset) === crc32(buf.subarray(offset + 4, offset + RECORD_HEADER_SIZE + length));
}

/** Whether the 16 header octets at `offset` are all zero (the end of written data). */
export function isZeroHeader(buf: Buffer, offset: number): boolean {
  return (
    buf.readUInt32LE(offset) === 0 &&
    buf.readUInt32LE(offset + 4) === 0 &&
    buf.readUInt32LE(offset + 8) === 0 &&
    buf.readUInt32LE(offset + 12) === 0
  );
}

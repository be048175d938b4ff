/**
 * Wire primitives shared by the generated codec and the field tables: short strings, long strings
 * and 64-bit integers.
 *
 *   shortstr:  len:u8  utf8[len]          (len <= 255)
 *   longstr:   len:u32 octets[len]
 *   longlong:  u64 big-endian              (decoded as a number; above 2^53-1 is refused)
 */
import { ProtocolError } from "./errors.js";
import { ReplyCode } from "./generated/constants.js";

export const EMPTY: Buffer = Buffer.alloc(0);

/**
 * Buffer's own string methods without the argument normalisation of `toString`/`write`: Node has
 * them on every Buffer (its `toString` ends in them) but does not declare them.
 */
interface StringBuffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  utf8Write(s: string, offset: number, maxLength: number): number;
}

/**
 * Names, tags and keys are short, mostly ASCII and repeat from message to message (the same
 * exchange, routing key and content type thousands of times): short ASCII strings are interned in a
 * small direct-mapped cache, so a repeat costs two loops over its octets and no allocation or call
 * into C++ (3x faster decoding of basic.publish, see codec.bench.ts), and the broker's map lookups
 * on it reuse the string's cached hash.
 */
const INTERN_MAX = 32;
const INTERN_SLOTS = 1024;
const interned: string[] = new Array<string>(INTERN_SLOTS).fill("");

export function readShortString(b: Buffer, start: number, end: number): string {
  const len = end - start;
  if (len === 0) return "";
  if (len <= INTERN_MAX) {
    let hash = len;
    let ascii = 0;
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      ascii |= c;
      hash = (Math.imul(hash, 31) + c) | 0;
    }
    if (ascii < 0x80) {
      const slot = (hash ^ (hash >>> 10)) & (INTERN_SLOTS - 1);
      const known = interned[slot]!;
      if (known.length === len) {
        let i = 0;
        while (i < len && known.charCodeAt(i) === b[start + i]) i++;
        if (i === len) return known;
      }
      const s = (b as unknown as StringBuffer).latin1Slice(start, end);
      interned[slot] = s;
      return s;
    }
  }
  return (b as unknown as StringBuffer).utf8Slice(start, end);
}

/** Writes `s` as a shortstr at `o` (room for 256 octets is the caller's); returns the offset after it. */
export function writeShortString(b: Buffer, o: number, s: string): number {
  const len = s.length;
  if (len <= INTERN_MAX) {
    let i = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      b[o + 1 + i] = c;
    }
    if (i === len) {
      b[o] = len;
      return o + 1 + len;
    }
  }
  const n = (b as unknown as StringBuffer).utf8Write(s, o + 1, 256);
  // A write that filled (or nearly filled) 256 octets may have been cut short: measure exactly.
  if (n > 252 && (n > 255 || Buffer.byteLength(s) > 255)) {
    throw new RangeError(`shortstr longer than 255 octets: ${JSON.stringify(s.slice(0, 40))}...`);
  }
  b[o] = n;
  return o + 1 + n;
}

/** Writes a longstr (u32 length, then the octets) at `o`; returns the offset after it. */
export function writeLongString(b: Buffer, o: number, v: Buffer | Uint8Array): number {
  const len = v.length;
  b.writeUInt32BE(len, o);
  b.set(v, o + 4);
  return o + 4 + len;
}

/** Reads an unsigned 64-bit integer; values above 2^53-1 cannot be a number and are refused (501). */
export function readLongLong(b: Buffer, o: number): number {
  const hi = b.readUInt32BE(o);
  if (hi > 0x1fffff) {
    throw new ProtocolError(ReplyCode.FRAME_ERROR, "64-bit value above 2^53-1 is not supported");
  }
  return hi * 0x100000000 + b.readUInt32BE(o + 4);
}

/** Writes an unsigned 64-bit integer from a safe, non-negative integer number. */
export function writeLongLong(b: Buffer, o: number, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`not an unsigned 64-bit integer: ${v}`);
  const hi = (v / 0x100000000) >>> 0;
  const lo = v >>> 0;
  b[o] = hi >>> 24;
  b[o + 1] = hi >>> 16;
  b[o + 2] = hi >>> 8;
  b[o + 3] = hi;
  b[o + 4] = lo >>> 24;
  b[o + 5] = lo >>> 16;
  b[o + 6] = lo >>> 8;
  b[o + 7] = lo;
}

/**
 * Field tables and arrays, with every value type RabbitMQ uses (its errata, not the 0-9-1 spec's
 * list: `s` is a signed 16-bit integer, `l` a signed 64-bit one).
 *
 *   table: size:u32 { key:shortstr tag:u8 value }*      array: size:u32 { tag:u8 value }*
 *
 *   tag  type              decoded as      encoded from
 *   t    boolean           boolean         boolean
 *   b B  int8 / uint8      number          typed("b"|"B", n)
 *   s u  int16 / uint16    number          typed("s"|"u", n)
 *   I i  int32 / uint32    number          integer number in int32 range (I); typed("i", n)
 *   l L  int64             number (bigint beyond 2^53)   other integer number or bigint (l)
 *   f d  float / double    number          non-integer number (d); typed("f", n)
 *   D    decimal           Decimal         Decimal (scale:u8, value:u32)
 *   S    longstr           string (utf8)   string
 *   x    byte array        Buffer          Buffer / Uint8Array
 *   T    timestamp (s)     Date            Date (whole seconds)
 *   A    array             FieldValue[]    array
 *   F    table             FieldTable      plain object
 *   V    void              null            null (undefined keys are left out)
 */
import { malformedTable } from "./errors.js";
import { readShortString } from "./primitives.js";
import { Decimal, type FieldValue, type FieldArray, type FieldTable } from "./field-value.js";

export { Decimal, EMPTY_TABLE, type FieldArray, type FieldTable, type FieldValue, type NumericTag, typed, TypedValue } from "./field-value.js";
export { encodeFieldArray, encodeFieldTable, fieldTableSize } from "./field-table-encode.js";

/** Tables nest; beyond this depth the input is refused rather than overflowing the stack. */
const MAX_DEPTH = 64;

// ---------------------------------------------------------------------------------------------
// Decoding

/** Decodes the entries of a table that occupies `b` between `start` and `end` (after its size). */
export function decodeFieldTable(b: Buffer, start: number, end: number): FieldTable {
  return decodeTable(b, start, end, 0);
}

/** Decodes the values of an array that occupies `b` between `start` and `end` (after its size). */
export function decodeFieldArray(b: Buffer, start: number, end: number): FieldValue[] {
  return decodeArray(b, start, end, 0);
}

/** End offset of the value decoded last; one module-level slot instead of a tuple per value. */
let valueEnd = 0;

function decodeTable(b: Buffer, o: number, end: number, depth: number): FieldTable {
  if (depth > MAX_DEPTH) throw malformedTable("nested too deeply");
  const table: FieldTable = {};
  while (o < end) {
    const n = b[o]!;
    o += 1;
    if (o + n >= end) throw malformedTable("truncated key");
    const key = readShortString(b, o, o + n);
    const value = decodeValue(b, o + n, end, depth);
    if (key === "__proto__") Object.defineProperty(table, key, { value, enumerable: true, writable: true, configurable: true });
    else table[key] = value;
    o = valueEnd;
  }
  return table;
}

function decodeArray(b: Buffer, o: number, end: number, depth: number): FieldValue[] {
  if (depth > MAX_DEPTH) throw malformedTable("nested too deeply");
  const array: FieldValue[] = [];
  while (o < end) {
    array.push(decodeValue(b, o, end, depth));
    o = valueEnd;
  }
  return array;
}

function need(o: number, n: number, end: number): void {
  if (o + n > end) throw malformedTable("truncated value");
}

/** Decodes the tagged value at `o`; sets `valueEnd`. */
function decodeValue(b: Buffer, o: number, end: number, depth: number): FieldValue {
  need(o, 1, end);
  const tag = b[o]!;
  o += 1;
  switch (tag) {
    case 0x74: // t
      need(o, 1, end);
      valueEnd = o + 1;
      return b[o] !== 0;
    case 0x62: // b
      need(o, 1, end);
      valueEnd = o + 1;
      return b.readInt8(o);
    case 0x42: // B
      need(o, 1, end);
      valueEnd = o + 1;
      return b[o]!;
    case 0x73: // s
      need(o, 2, end);
      valueEnd = o + 2;
      return b.readInt16BE(o);
    case 0x75: // u
      need(o, 2, end);
      valueEnd = o + 2;
      return b.readUInt16BE(o);
    case 0x49: // I
      need(o, 4, end);
      valueEnd = o + 4;
      return b.readInt32BE(o);
    case 0x69: // i
      need(o, 4, end);
      valueEnd = o + 4;
      return b.readUInt32BE(o);
    case 0x6c: // l
    case 0x4c: {
      // L: RabbitMQ reads it as a signed 64-bit integer too
      need(o, 8, end);
      valueEnd = o + 8;
      const hi = b.readInt32BE(o);
      if (hi >= -0x200000 && hi < 0x200000) return hi * 0x100000000 + b.readUInt32BE(o + 4);
      return b.readBigInt64BE(o);
    }
    case 0x66: // f
      need(o, 4, end);
      valueEnd = o + 4;
      return b.readFloatBE(o);
    case 0x64: // d
      need(o, 8, end);
      valueEnd = o + 8;
      return b.readDoubleBE(o);
    case 0x44: // D
      need(o, 5, end);
      valueEnd = o + 5;
      return new Decimal(b[o]!, b.readUInt32BE(o + 1));
    case 0x54: {
      // T: seconds since the epoch
      need(o, 8, end);
      valueEnd = o + 8;
      const hi = b.readUInt32BE(o);
      if (hi > 0x1fffff) throw malformedTable("timestamp beyond 2^53 seconds");
      return new Date((hi * 0x100000000 + b.readUInt32BE(o + 4)) * 1000);
    }
    case 0x56: // V
      valueEnd = o;
      return null;
    case 0x53: // S
    case 0x78: // x
    case 0x46: // F
    case 0x41: {
      // A
      need(o, 4, end);
      const n = b.readUInt32BE(o);
      o += 4;
      need(o, n, end);
      let v: FieldValue;
      if (tag === 0x53) v = b.toString("utf8", o, o + n);
      else if (tag === 0x78) v = b.subarray(o, o + n);
      else if (tag === 0x46) v = decodeTable(b, o, o + n, depth + 1);
      else v = decodeArray(b, o, o + n, depth + 1);
      valueEnd = o + n;
      return v;
    }
    default:
      throw malformedTable(`unknown type tag 0x${tag.toString(16)}`);
  }
}

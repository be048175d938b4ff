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
import { bufferTooSmall, malformedTable } from "./errors.js";
import { readShortString, writeShortString } from "./primitives.js";

/** A decimal: `value / 10^scale`. */
export class Decimal {
  constructor(
    readonly scale: number,
    readonly value: number,
  ) {}
}

/** Tags that can be asked for explicitly with {@link typed}. */
export type NumericTag = "b" | "B" | "s" | "u" | "I" | "i" | "l" | "f" | "d";

/** A number with an explicit wire type, for peers that want e.g. a uint16 (`u`) or a float (`f`). */
export class TypedValue {
  constructor(
    readonly tag: NumericTag,
    readonly value: number | bigint,
  ) {}
}

export function typed(tag: NumericTag, value: number | bigint): TypedValue {
  return new TypedValue(tag, value);
}

export type FieldValue =
  | boolean
  | number
  | bigint
  | string
  | Buffer
  | Uint8Array
  | Date
  | Decimal
  | TypedValue
  | null
  | FieldArray
  | FieldTable;

export interface FieldArray extends Array<FieldValue> {}

export interface FieldTable {
  [key: string]: FieldValue | undefined;
}

/** An empty table, encoded where an optional table argument was left out. */
export const EMPTY_TABLE: FieldTable = Object.freeze({}) as FieldTable;

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

// ---------------------------------------------------------------------------------------------
// Encoding

function room(b: Buffer, o: number, n: number): void {
  if (o + n > b.length) throw bufferTooSmall(b, o);
}

/** Encodes `table` (size, then entries) into `b` at `o`; returns the offset after it. */
export function encodeFieldTable(b: Buffer, o: number, table: FieldTable): number {
  room(b, o, 4);
  const start = o;
  o += 4;
  for (const key in table) {
    const value = table[key];
    if (value === undefined) continue;
    if (o + 256 > b.length) room(b, o, 1 + Buffer.byteLength(key));
    o = writeShortString(b, o, key);
    o = encodeValue(b, o, value);
  }
  b.writeUInt32BE(o - start - 4, start);
  return o;
}

/** Encodes `array` (size, then values) into `b` at `o`; returns the offset after it. */
export function encodeFieldArray(b: Buffer, o: number, array: readonly (FieldValue | undefined)[]): number {
  room(b, o, 4);
  const start = o;
  o += 4;
  for (let i = 0; i < array.length; i++) o = encodeValue(b, o, array[i] ?? null);
  b.writeUInt32BE(o - start - 4, start);
  return o;
}

function encodeInteger(b: Buffer, o: number, v: number): number {
  if (v >= -0x80000000 && v <= 0x7fffffff) {
    room(b, o, 5);
    b[o] = 0x49; // I
    b.writeInt32BE(v, o + 1);
    return o + 5;
  }
  return encodeInt64(b, o, BigInt(v));
}

function encodeInt64(b: Buffer, o: number, v: bigint): number {
  room(b, o, 9);
  b[o] = 0x6c; // l
  b.writeBigInt64BE(v, o + 1);
  return o + 9;
}

function encodeDouble(b: Buffer, o: number, v: number): number {
  room(b, o, 9);
  b[o] = 0x64; // d
  b.writeDoubleBE(v, o + 1);
  return o + 9;
}

function encodeTyped(b: Buffer, o: number, t: TypedValue): number {
  const v = t.value;
  if (t.tag === "l") return encodeInt64(b, o, BigInt(v));
  if (typeof v !== "number") throw new TypeError(`field value of type ${t.tag} must be a number`);
  room(b, o, 9);
  b[o] = t.tag.charCodeAt(0);
  switch (t.tag) {
    case "b":
      b.writeInt8(v, o + 1);
      return o + 2;
    case "B":
      b.writeUInt8(v, o + 1);
      return o + 2;
    case "s":
      b.writeInt16BE(v, o + 1);
      return o + 3;
    case "u":
      b.writeUInt16BE(v, o + 1);
      return o + 3;
    case "I":
      b.writeInt32BE(v, o + 1);
      return o + 5;
    case "i":
      b.writeUInt32BE(v, o + 1);
      return o + 5;
    case "f":
      b.writeFloatBE(v, o + 1);
      return o + 5;
    case "d":
      b.writeDoubleBE(v, o + 1);
      return o + 9;
  }
}

function encodeValue(b: Buffer, o: number, v: FieldValue): number {
  switch (typeof v) {
    case "string": {
      // Write the octets first, then their count: no Buffer.byteLength pass.
      const max = 5 + v.length * 3;
      if (o + max > b.length) room(b, o, 5 + Buffer.byteLength(v));
      b[o] = 0x53; // S
      const n = b.write(v, o + 5, "utf8");
      b.writeUInt32BE(n, o + 1);
      return o + 5 + n;
    }
    case "number":
      return Number.isInteger(v) && Number.isSafeInteger(v) ? encodeInteger(b, o, v) : encodeDouble(b, o, v);
    case "boolean":
      room(b, o, 2);
      b[o] = 0x74; // t
      b[o + 1] = v ? 1 : 0;
      return o + 2;
    case "bigint":
      return encodeInt64(b, o, v);
    case "object": {
      if (v === null) {
        room(b, o, 1);
        b[o] = 0x56; // V
        return o + 1;
      }
      if (v instanceof Uint8Array) {
        room(b, o, 5 + v.length);
        b[o] = 0x78; // x
        b.writeUInt32BE(v.length, o + 1);
        b.set(v, o + 5);
        return o + 5 + v.length;
      }
      if (Array.isArray(v)) {
        room(b, o, 1);
        b[o] = 0x41; // A
        return encodeFieldArray(b, o + 1, v);
      }
      if (v instanceof Date) {
        const seconds = Math.floor(v.getTime() / 1000);
        if (!(seconds >= 0)) throw new RangeError(`timestamp before 1970 or invalid: ${String(v)}`);
        room(b, o, 9);
        b[o] = 0x54; // T
        b.writeUInt32BE(Math.floor(seconds / 0x100000000), o + 1);
        b.writeUInt32BE(seconds >>> 0, o + 5);
        return o + 9;
      }
      if (v instanceof Decimal) {
        room(b, o, 6);
        b[o] = 0x44; // D
        b.writeUInt8(v.scale, o + 1);
        b.writeUInt32BE(v.value, o + 2);
        return o + 6;
      }
      if (v instanceof TypedValue) return encodeTyped(b, o, v);
      room(b, o, 1);
      b[o] = 0x46; // F
      return encodeFieldTable(b, o + 1, v);
    }
    default:
      throw new TypeError(`cannot encode a ${typeof v} in a field table`);
  }
}

/** Exact encoded size of `table`, size prefix included. */
export function fieldTableSize(table: FieldTable): number {
  let size = 4;
  for (const key in table) {
    const value = table[key];
    if (value === undefined) continue;
    size += 1 + Buffer.byteLength(key) + valueSize(value);
  }
  return size;
}

function valueSize(v: FieldValue): number {
  switch (typeof v) {
    case "string":
      return 5 + Buffer.byteLength(v);
    case "number":
      return Number.isSafeInteger(v) ? (v >= -0x80000000 && v <= 0x7fffffff ? 5 : 9) : 9;
    case "boolean":
      return 2;
    case "bigint":
      return 9;
    case "object": {
      if (v === null) return 1;
      if (v instanceof Uint8Array) return 5 + v.length;
      if (Array.isArray(v)) {
        let size = 5;
        for (const x of v) size += valueSize(x ?? null);
        return size;
      }
      if (v instanceof Date) return 9;
      if (v instanceof Decimal) return 6;
      if (v instanceof TypedValue) {
        const t = v.tag;
        return t === "b" || t === "B" ? 2 : t === "s" || t === "u" ? 3 : t === "l" || t === "d" ? 9 : 5;
      }
      return 1 + fieldTableSize(v);
    }
    default:
      throw new TypeError(`cannot encode a ${typeof v} in a field table`);
  }
}

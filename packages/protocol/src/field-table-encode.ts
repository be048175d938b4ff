/** Encoding field tables and arrays (the wire types are listed in field-table.ts). */
import { bufferTooSmall } from "./errors.js";
import { writeShortString } from "./primitives.js";
import { Decimal, TypedValue, type FieldValue, type FieldArray, type FieldTable } from "./field-value.js";

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

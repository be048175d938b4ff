/**
 * fast-check arbitraries for the wire types, and `normalize`: what the decoder returns for a value
 * that was encoded (e.g. a `typed("u", 5)` comes back as `5`).
 */
import fc from "fast-check";
import { Decimal, type FieldTable, type FieldValue, TypedValue, type WireType } from "../src/index.js";

const utf8Length = (s: string): number => Buffer.byteLength(s);

/** A shortstr: any Unicode text of at most 255 UTF-8 octets; ASCII half the time. */
export const shortstr: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40, unit: "grapheme-ascii" }),
  fc.string({ maxLength: 80, unit: "binary" }).filter((s) => utf8Length(s) <= 255),
  fc.string({ minLength: 250, maxLength: 255, unit: "grapheme-ascii" }),
);

export const longstr: fc.Arbitrary<Buffer> = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));

const int = (min: number, max: number) => fc.integer({ min, max });

const typedValue: fc.Arbitrary<TypedValue> = fc.oneof(
  int(-128, 127).map((v) => new TypedValue("b", v)),
  int(0, 255).map((v) => new TypedValue("B", v)),
  int(-32768, 32767).map((v) => new TypedValue("s", v)),
  int(0, 65535).map((v) => new TypedValue("u", v)),
  int(-0x80000000, 0x7fffffff).map((v) => new TypedValue("I", v)),
  int(0, 0xffffffff).map((v) => new TypedValue("i", v)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => new TypedValue("l", v)),
  fc.float({ noNaN: true }).map((v) => new TypedValue("f", v)),
  fc.double({ noNaN: true }).map((v) => new TypedValue("d", v)),
);

const notNegativeZero = (v: number): boolean => !Object.is(v, -0);

/** Any value a field table can hold, nested up to a few levels. */
export const { fieldValue, fieldTable } = fc.letrec<{ fieldValue: FieldValue; fieldTable: FieldTable }>((tie) => ({
  fieldValue: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.boolean(),
    int(-0x80000000, 0x7fffffff),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true }).filter(notNegativeZero),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.string({ maxLength: 30, unit: "binary" }),
    fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
    int(0, 2 ** 40).map((s) => new Date(s * 1000)),
    fc.tuple(int(0, 255), int(0, 0xffffffff)).map(([s, v]) => new Decimal(s, v)),
    fc.constant(null),
    typedValue,
    fc.array(tie("fieldValue"), { maxLength: 4 }),
    tie("fieldTable"),
  ),
  fieldTable: fc.dictionary(shortstr, tie("fieldValue"), { maxKeys: 5 }) as fc.Arbitrary<FieldTable>,
}));

/** What decoding the encoding of `v` gives. */
export function normalize(v: FieldValue | undefined): unknown {
  if (typeof v === "bigint") return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (v instanceof TypedValue) {
    if (v.tag === "f") return Math.fround(v.value as number);
    return normalize(v.value);
  }
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (Array.isArray(v)) return v.map((x) => normalize(x ?? null));
  if (v === null || typeof v !== "object" || v instanceof Date || v instanceof Decimal) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    if (v[k] === undefined) continue;
    Object.defineProperty(out, k, { value: normalize(v[k]), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** An arbitrary value of a method argument or property of the given wire type. */
export function arbitraryOf(type: WireType): fc.Arbitrary<unknown> {
  switch (type) {
    case "bit":
      return fc.boolean();
    case "octet":
      return int(0, 255);
    case "short":
      return int(0, 65535);
    case "long":
      return int(0, 0xffffffff);
    case "longlong":
    case "timestamp":
      return fc.oneof(int(0, 0xffffffff), fc.maxSafeNat());
    case "shortstr":
      return shortstr;
    case "longstr":
      return longstr;
    case "table":
      return fieldTable;
  }
}

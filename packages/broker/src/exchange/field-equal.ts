/**
 * Deep equality of field values, for binding identity (two bindings differing only in arguments
 * are distinct) and for headers matching.
 *
 * Integers of every wire width decode to `number` (or `bigint` beyond 2^53), so widths cannot be
 * told apart and compare by value, as RabbitMQ's `==` does for `1` and `1.0`. Other types must
 * agree: a string never equals a Buffer here (the headers exchange relaxes that itself). Tables
 * compare as unordered key sets, with `undefined` entries counting as absent (they are not sent).
 */
import { Decimal, type FieldTable, type FieldValue, TypedValue } from "@amqp-go/protocol";

export function deepEqualValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (a instanceof TypedValue) a = a.value;
  if (b instanceof TypedValue) b = b.value;
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  switch (typeof a) {
    case "number":
      if (typeof b === "bigint") return integerEqual(a, b);
      // NaN equals NaN, so a binding with a NaN argument can still be unbound.
      return typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
    case "bigint":
      return typeof b === "number" && integerEqual(b, a);
    case "object":
      return typeof b === "object" && objectEqual(a, b);
    default:
      // string and boolean: `===` above was the whole test.
      return false;
  }
}

export function deepEqualTable(a: FieldTable, b: FieldTable): boolean {
  if (a === b) return true;
  let count = 0;
  for (const key of Object.keys(a)) {
    const v = a[key];
    if (v === undefined) continue;
    count++;
    if (!Object.hasOwn(b, key) || !deepEqualValue(v, b[key])) return false;
  }
  for (const key of Object.keys(b)) if (b[key] !== undefined) count--;
  return count === 0;
}

function integerEqual(n: number, big: bigint): boolean {
  return Number.isInteger(n) && BigInt(n) === big;
}

type FieldObject = Exclude<FieldValue, boolean | number | bigint | string | null>;

function objectEqual(a: FieldObject, b: FieldObject): boolean {
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && Buffer.compare(a, b) === 0;
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Decimal) return b instanceof Decimal && a.scale === b.scale && a.value === b.value;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqualValue(a[i], b[i])) return false;
    return true;
  }
  if (b instanceof Uint8Array || b instanceof Date || b instanceof Decimal || b instanceof TypedValue || Array.isArray(b)) {
    return false;
  }
  return deepEqualTable(a as FieldTable, b);
}

/** The values a field table or array holds (field-table.ts has the wire types they map to). */
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

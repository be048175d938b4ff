/**
 * AMQP field tables and values as the management API shows them in JSON, and back: what a client
 * sends as `arguments` or message `headers` becomes a field table the broker stores.
 */
import { Decimal, type FieldTable, type FieldValue, TypedValue } from "@amqp-go/protocol";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function fieldToJson(v: FieldValue | undefined): Json {
  if (v === undefined || v === null) return null;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean" || typeof v === "number" || typeof v === "string") return v;
  if (v instanceof Date) return Math.floor(v.getTime() / 1000);
  if (v instanceof TypedValue) return Number(v.value);
  if (v instanceof Decimal) return Number(v.value) / 10 ** v.scale;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  if (Array.isArray(v)) return v.map(fieldToJson);
  return tableToJson(v as FieldTable);
}

export function tableToJson(t: FieldTable | undefined): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  if (t === undefined) return out;
  for (const [k, v] of Object.entries(t)) if (v !== undefined) out[k] = fieldToJson(v);
  return out;
}

export function jsonToField(v: unknown): FieldValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean" || typeof v === "number" || typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(jsonToField);
  if (typeof v === "object") return jsonToTable(v as Record<string, unknown>);
  return String(v);
}

export function jsonToTable(v: unknown): FieldTable {
  const out: FieldTable = {};
  if (v === null || typeof v !== "object" || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = jsonToField(x);
  return out;
}

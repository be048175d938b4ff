/**
 * amqpctl's two output formats, as rabbitmqctl prints them: a table (a header row of the column
 * names, then one tab-separated row an object; objects and arrays as JSON, `--silent` drops the
 * header; no header either when there are no objects) and `--formatter json` (a JSON array of objects with the asked columns, in their order).
 */

type Row = Readonly<Record<string, unknown>>;

/** One table cell: text as it is, numbers and booleans as words, objects and arrays as JSON. */
export function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value);
}

/** No rows: nothing at all, not even the header, as rabbitmqctl. */
export function table(columns: readonly string[], rows: readonly Row[], header: boolean, cells: Readonly<Record<string, (value: unknown) => string>> = {}): string {
  if (rows.length === 0) return "";
  const lines = rows.map((r) => columns.map((c) => (cells[c] ?? cell)(r[c])).join("\t"));
  if (header) lines.unshift(columns.join("\t"));
  return lines.join("\n");
}

/** rabbitmqctl's JSON: `[` and `]` on their own lines, one object a line. */
export function json(columns: readonly string[], rows: readonly Row[]): string {
  const objects = rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))));
  return objects.length === 0 ? "[\n]" : `[\n${objects.join("\n,")}\n]`;
}

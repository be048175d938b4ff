/**
 * Compares the shape of our answer with RabbitMQ's recorded one: every field RabbitMQ sends is
 * there, with the same JSON type. Values are not compared (they differ by nature), nor the
 * contents of free-form maps (arguments, client properties, message properties).
 */

/** Maps whose keys are data, not fields. */
const FREE_FORM = new Set(["arguments", "client_properties", "properties", "headers", "cluster_state", "socket_opts", "effective_policy_definition", "limits"]);

const typeOf = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** The differences, one line each ("path: missing", "path: string, ours number"); empty when the shapes agree. */
export function shapeDiff(theirs: unknown, ours: unknown, path = "$", optional: ReadonlySet<string> = new Set()): string[] {
  const t = typeOf(theirs);
  const o = typeOf(ours);
  // RabbitMQ's null is 'undefined' or 'none': any value of ours will do
  if (t === "null") return [];
  if (t !== o) return [`${path}: RabbitMQ ${t}, ours ${o}`];
  if (t === "array") {
    const a = theirs as unknown[];
    const b = ours as unknown[];
    if (a.length === 0 || b.length === 0) return [];
    // compare the element of the same name when there is one
    const name = (x: unknown) => (x !== null && typeof x === "object" ? (x as Record<string, unknown>).name : undefined);
    const first = a[0];
    const match = b.find((x) => name(x) !== undefined && name(x) === name(first)) ?? b[0];
    return shapeDiff(first, match, `${path}[]`, optional);
  }
  if (t !== "object") return [];
  const out: string[] = [];
  const tb = theirs as Record<string, unknown>;
  const ob = ours as Record<string, unknown>;
  for (const key of Object.keys(tb)) {
    const p = `${path}.${key}`;
    if (!(key in ob)) {
      if (!optional.has(key)) out.push(`${p}: missing`);
      continue;
    }
    if (FREE_FORM.has(key)) continue;
    out.push(...shapeDiff(tb[key], ob[key], p, optional));
  }
  return out;
}

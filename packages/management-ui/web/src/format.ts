/** Numbers as the pages show them. */
const int = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
const dec = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });

export const count = (n: unknown): string => (typeof n === "number" ? int.format(n) : "");
export const rate = (n: unknown): string => (typeof n === "number" ? `${dec.format(n)}/s` : "");

export function bytes(n: unknown): string {
  if (typeof n !== "number") return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : dec.format(v)} ${units[i]}`;
}

export function duration(ms: unknown): string {
  if (typeof ms !== "number") return "";
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${hh}h`;
  if (hh > 0) return `${hh}h ${mm}m`;
  return `${mm}m ${s % 60}s`;
}

/** A nested field, `at(q, "message_stats", "publish_details", "rate")`. */
export function at(o: unknown, ...path: string[]): unknown {
  let v = o;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/** A JSON value for display: strings as they are, the rest as JSON. */
export const show = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

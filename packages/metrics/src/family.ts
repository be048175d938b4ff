/**
 * A metric family rendered from the broker's plain numbers when scraped: prom-client's Counter and
 * Gauge keep a label map of their own and hash every label set, so the families here are raw
 * objects in the shape prom-client's Registry renders (name, help, type and the samples of one
 * scrape). Nothing is pushed per message.
 */
import type { FixedHistogram } from "@amqp-go/broker";
import type { Registry } from "prom-client";

export type FamilyType = "counter" | "gauge" | "histogram" | "untyped";

/** One sample: its labels in the order they are written, its value, and for histograms the series name. */
export interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
  /** The labels as written, `{vhost="/",queue="q"}`, when already rendered (shared by an object's samples). */
  labelText?: string;
}

const NO_LABELS: Record<string, string> = {};

/** A family registered here: prom-client renders it through `get()`, `exposition()` through `text()`. */
interface RawFamily {
  readonly name: string;
  text(): string;
}

const escape = (s: string) => (/[\\\n]/.test(s) ? s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n") : s);
const escapeValue = (s: string) => (/[\\\n"]/.test(s) ? escape(s).replace(/"/g, '\\"') : s);

/** `{a="x",b="y"}` as the text format writes labels (prom-client's escaping). */
export function labelText(labels: Record<string, string | number>): string {
  let out = "";
  for (const k in labels) {
    const v = labels[k]!;
    out += `${out === "" ? "{" : ","}${k}="${typeof v === "string" ? escapeValue(v) : v}"`;
  }
  return out === "" ? "" : `${out}}`;
}

export function valueText(v: number): string {
  return Number.isFinite(v) ? `${v}` : Number.isNaN(v) ? "Nan" : v > 0 ? "+Inf" : "-Inf";
}

/**
 * Registers a family whose samples `collect` returns at each scrape. `lines`, when given, writes
 * the same samples as text (each line after a "\n") for exposition(), without a Sample object per
 * sample; prom-client's own rendering (`registry.metrics()`) still goes through `collect`.
 */
export function registerFamily(registry: Registry, name: string, type: FamilyType, help: string, collect: () => Sample[], lines?: () => string): void {
  const head = `# HELP ${name} ${escape(help)}\n# TYPE ${name} ${type}`;
  const metric = {
    name,
    help,
    type,
    aggregator: "sum",
    get() {
      return Promise.resolve({ name, help, type, aggregator: "sum", values: collect() });
    },
    text(): string {
      if (lines !== undefined) return head + lines();
      let out = head;
      for (const s of collect()) out += `\n${s.metricName ?? name}${s.labelText ?? labelText(s.labels)} ${valueText(s.value)}`;
      return out;
    },
  };
  registry.registerMetric(metric as unknown as Parameters<Registry["registerMetric"]>[0]);
}

/**
 * The text format of `registry`, as `registry.metrics()` writes it, with the families registered
 * here written without prom-client's per-sample label formatting (a 1,000-queue scrape is mostly
 * those). One family is written per turn of the event loop (setImmediate): the whole per-object
 * scrape in one run held the broker's thread for 10-30 ms, long enough at saturation for the
 * messages piling up meanwhile to be promoted to the old generation, which then slowed every
 * scavenge (see @amqp-go/management's README). A family of 1,000 queues takes well under 1 ms.
 */
export async function exposition(registry: Registry): Promise<string> {
  return (await expositionBytes(registry)).toString("utf8");
}

/**
 * exposition() as UTF-8 bytes: each family is encoded in the turn it is written, so its text dies
 * young instead of being held, as one string of 450 KB for 1,000 queues, across the turns of the
 * scrape and promoted to the old generation.
 */
export async function expositionBytes(registry: Registry): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for (const m of registry.getMetricsAsArray()) {
    const raw = m as unknown as Partial<RawFamily>;
    if (parts.length > 0) await nextTurn();
    const text = typeof raw.text === "function" ? raw.text() : await registry.getSingleMetricAsString(m.name);
    const part = Buffer.from(parts.length > 0 ? `\n\n${text}` : text, "utf8");
    parts.push(part);
    size += part.length;
  }
  parts.push(NEWLINE);
  return Buffer.concat(parts, size + 1);
}

const NEWLINE = Buffer.from("\n");

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A family of one unlabelled sample. */
export function registerValue(registry: Registry, name: string, type: FamilyType, help: string, read: () => number): void {
  registerFamily(registry, name, type, help, () => [{ labels: NO_LABELS, value: read() }]);
}

/**
 * The samples of a histogram counted in `h` (counts per bucket, not cumulative), with `le` written
 * by `bound` (RabbitMQ writes 100 as "100.0" and 1000000 as "1e+06"; dashboards match the text).
 */
export function histogramSamples(name: string, h: FixedHistogram, labels: Record<string, string> = NO_LABELS, bound: (b: number) => string = String): Sample[] {
  const out: Sample[] = [];
  let cumulative = 0;
  for (let i = 0; i < h.bounds.length; i++) {
    cumulative += h.counts[i]!;
    out.push({ labels: { ...labels, le: bound(h.bounds[i]!) }, value: cumulative, metricName: `${name}_bucket` });
  }
  out.push({ labels: { ...labels, le: "+Inf" }, value: h.count, metricName: `${name}_bucket` });
  out.push({ labels, value: h.sum, metricName: `${name}_sum` });
  out.push({ labels, value: h.count, metricName: `${name}_count` });
  return out;
}

/** A histogram family read from `h` at scrape time. */
export function registerHistogram(registry: Registry, name: string, help: string, h: FixedHistogram): void {
  registerFamily(registry, name, "histogram", help, () => histogramSamples(name, h));
}

/**
 * A bound as Erlang's prometheus.erl writes it: floats, so 100 is "100.0" and 1e6 is "1e+06"
 * (the RabbitMQ-Overview dashboard asks for `le="100.0"` and `le="1e+06"`).
 */
export function erlangBound(b: number): string {
  if (b >= 1e6) {
    const [mantissa, exponent] = b.toExponential().split("e");
    return `${mantissa}e+${exponent!.replace("+", "").padStart(2, "0")}`;
  }
  return Number.isInteger(b) ? `${b}.0` : String(b);
}

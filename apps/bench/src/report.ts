/** What a person reads: the progress line each second, the summary of a run, and the ratio of two. */
import type { Counters } from "./agent-messages.js";
import type { Percentiles } from "./latency.js";
import type { BenchOptions } from "./options.js";
import { describeQueueArgs } from "./queue-args.js";
import type { RunResult } from "./result.js";

const num = (n: number): string => Math.round(n).toLocaleString("en");
const ms = (n: number): string => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : num(n));

export function progressLine(label: string, t: number, c: Counters, last: Counters, dt: number, p: Percentiles | null | "warm-up"): string {
  const per = (now: number, before: number): string => `${num(dt > 0 ? (now - before) / dt : 0)} msg/s`;
  const latency = p === "warm-up" ? "latency (warm-up)" : p === null ? "latency -" : `latency p50 ${ms(p.p50)} ms, p99 ${ms(p.p99)} ms`;
  return (
    `[${label} ${t.toFixed(0).padStart(3)} s] sent ${per(c.published, last.published)} | confirmed ${per(c.confirmed, last.confirmed)} | ` +
    `received ${per(c.consumed, last.consumed)} | ${latency}`
  );
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The scenario in one line, PerfTest style. */
export function describeOptions(o: Omit<BenchOptions, "scenario">): string {
  const parts = [plural(o.producers, "producer"), plural(o.consumers, "consumer"), plural(o.queues, "queue")];
  if (o.exchange !== "") parts.push(`${o.exchangeType} exchange ${o.exchange}${o.bindings > 0 ? ` with ${plural(o.bindings, "binding")}` : ""}`);
  parts.push(o.size >= 1024 && o.size % 1024 === 0 ? `${o.size / 1024} KiB` : `${o.size} B`);
  parts.push(o.persistent ? "persistent" : "transient");
  if (o.durable) parts.push("durable queues");
  if (Object.keys(o.queueArgs).length > 0) parts.push(`queue arguments ${describeQueueArgs(o.queueArgs)}`);
  if (o.deadLetterQueue !== "") parts.push(`dead-letter queue ${o.deadLetterQueue}`);
  if (o.priorityLevels > 0) parts.push(`priorities 0-${o.priorityLevels - 1}`);
  if (o.confirm > 0) parts.push(`confirms (window ${o.confirm})`);
  if (o.rate > 0) parts.push(`${num(o.rate)} msg/s per producer`);
  parts.push(o.autoack ? "autoack" : `prefetch ${o.prefetch}${o.multiAck > 1 ? `, multi-ack ${o.multiAck}` : ""}`);
  if (o.backlog) parts.push(`backlog of ${num(o.messages)} then drain`);
  else parts.push(o.messages > 0 ? `${num(o.messages)} messages` : `${o.duration} s`);
  if (o.warmup > 0) parts.push(`latency after a ${o.warmup} s warm-up`);
  if (o.procs > 1) parts.push(`${o.procs} load processes`);
  parts.push(`${o.client} client`);
  return parts.join(", ");
}

export function summary(r: RunResult): string[] {
  const broker = [r.broker.product, r.broker.version].filter((s) => s !== "").join(" ") || "broker";
  const lines = [
    `${broker} at ${r.uri}${r.scenario === null ? "" : `, scenario ${r.scenario}`}: ${describeOptions(r.options)}`,
    `  published ${num(r.published)} in ${r.seconds.publish.toFixed(2)} s (${num(r.rates.published)} msg/s)` +
      (r.options.confirm > 0 ? `, confirmed ${num(r.confirmed)} (${num(r.rates.confirmed)} msg/s), nacked ${num(r.nacked)}` : ""),
    `  consumed ${num(r.consumed)} of ${num(r.expected)} expected in ${r.seconds.consume.toFixed(2)} s (${num(r.rates.consumed)} msg/s)`,
  ];
  if (r.atStop !== null && r.rates.consumed > 0) {
    const secondsOf = (n: number): string => `${(n / r.rates.consumed).toFixed(2)} s of traffic`;
    lines.push(
      `  when publishing stopped: ${num(r.atStop.outstanding)} not yet consumed (${secondsOf(r.atStop.outstanding)}), ` +
        `${num(r.atStop.queued)} of them ready in the broker's queues (${secondsOf(r.atStop.queued)}), the rest in flight and in socket buffers`,
    );
  }
  if (r.steadyRates !== null) {
    lines.push(`  steady rates (the last ${r.steadyRates.seconds.toFixed(1)} s of publishing): published ${num(r.steadyRates.published)} msg/s, consumed ${num(r.steadyRates.consumed)} msg/s`);
  }
  if (r.options.deadLetterQueue !== "") lines.push(`  dead-lettered ${num(r.deadLettered)} (held in ${r.options.deadLetterQueue} at the end)`);
  const p = r.latencyMs;
  if (p !== null) {
    lines.push(
      `  latency ms (HDR): p50 ${ms(p.p50)}  p75 ${ms(p.p75)}  p90 ${ms(p.p90)}  p95 ${ms(p.p95)}  p99 ${ms(p.p99)}  ` +
        `p99.9 ${ms(p.p999)}  p99.99 ${ms(p.p9999)}  max ${ms(p.max)}  mean ${ms(p.mean)}`,
    );
  }
  const g = r.generator;
  lines.push(`  load generator: ${g.cpuSeconds.toFixed(2)} CPU s over the run, ${g.corePercentPer10k.toFixed(1)}% of a core per 10k msg/s consumed`);
  if (r.blocked > 0) lines.push(`  the broker blocked publishers ${plural(r.blocked, "time")} (resource alarm)`);
  lines.push(r.errors.length === 0 ? "  errors: none" : `  errors: ${r.errors.join("; ")}`);
  return lines;
}

export interface Ratio {
  readonly consumed: number | null;
  readonly published: number | null;
  readonly p99: number | null;
}

const div = (a: number | undefined, b: number | undefined): number | null =>
  a === undefined || b === undefined || b === 0 ? null : Math.round((a / b) * 100) / 100;

/** First run over second: throughputs (higher is better for the first) and p99 latency (lower is). */
export function ratio(a: RunResult, b: RunResult): Ratio {
  return {
    consumed: div(a.rates.consumed, b.rates.consumed),
    published: div(a.rates.published, b.rates.published),
    p99: div(a.latencyMs?.p99, b.latencyMs?.p99),
  };
}

export function ratioLine(a: RunResult, b: RunResult): string {
  const r = ratio(a, b);
  const x = (v: number | null): string => (v === null ? "-" : `${v.toFixed(2)}x`);
  return `ratio ${a.uri} / ${b.uri}: consumed msg/s ${x(r.consumed)}, published msg/s ${x(r.published)}, p99 latency ${x(r.p99)}`;
}

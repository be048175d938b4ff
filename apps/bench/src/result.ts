/**
 * The outcome of one scenario on one broker, as `--json` prints it, and the checks on its counts:
 * every message published is confirmed (with --confirm), and every delivery it should make to a
 * consumed queue is received, no more, no less.
 */
import type { Counters } from "./agent-messages.js";
import type { BenchOptions } from "./options.js";
import type { Percentiles } from "./latency.js";

export interface BrokerIdentity {
  readonly product: string;
  readonly version: string;
  readonly platform: string;
}

export interface RunResult {
  readonly scenario: string | null;
  readonly uri: string;
  readonly broker: BrokerIdentity;
  readonly options: Omit<BenchOptions, "scenario">;
  readonly ok: boolean;
  readonly errors: readonly string[];
  readonly published: number;
  readonly confirmed: number;
  readonly nacked: number;
  /** Deliveries to consumed queues that the published messages should make. */
  readonly expected: number;
  readonly consumed: number;
  /** Messages in the dead-letter queue at the end (--dead-letter-queue; 0 without one). */
  readonly deadLettered: number;
  /** Seconds: publishing (first publish to last publish, or last confirm), consuming (to the last delivery). */
  readonly seconds: { readonly publish: number; readonly consume: number; readonly total: number };
  /** Messages per second over those spans. */
  readonly rates: { readonly published: number; readonly confirmed: number; readonly consumed: number };
  /** End-to-end latency (publish to delivery), milliseconds; null when nothing was timed. */
  readonly latencyMs: Percentiles | null;
  /** Messages in the latency figures: those consumed, less those sent during the warm-up. */
  readonly timed: number;
  /** connection.blocked notices (the broker's resource alarms). */
  readonly blocked: number;
  /**
   * The moment the producers stopped (after their last write; null with --backlog): messages
   * published and not yet consumed, wherever they are (the broker's queues, deliveries in flight,
   * TCP buffers of both ends), and of them the ready messages the broker's queues held (passive
   * queue.declare). Flow control keeps `queued` small; the rest sits in socket buffers that
   * only the operating system sizes.
   */
  readonly atStop: AtStop | null;
  /**
   * Published and consumed msg/s from 2 s after the first publish (or --warmup) until the producers
   * stopped: the rates once socket buffers have filled. Null for shorter runs and --backlog.
   */
  readonly steadyRates: SteadyRates | null;
  /** CPU seconds the bench itself used (coordinator and load processes, start-up included). */
  readonly loadCpuSeconds: number;
  /**
   * The load generator's cost over the run alone (from the first publish to the end of the drain,
   * coordinator and load processes, start-up left out): CPU seconds, and percent of a core per
   * 10,000 msg/s consumed (CPU seconds per 10,000 messages consumed, times 100).
   */
  readonly generator: { readonly cpuSeconds: number; readonly corePercentPer10k: number };
}

export interface AtStop {
  readonly outstanding: number;
  readonly queued: number;
}

export interface SteadyRates {
  readonly published: number;
  readonly consumed: number;
  /** The span the rates are over. */
  readonly seconds: number;
}

export interface Spans {
  readonly publishStart: number;
  readonly consumeStart: number;
  readonly end: number;
}

const rate = (count: number, ms: number): number => (ms > 0 ? Math.round((count * 1000) / ms) : 0);
const secs = (ms: number): number => Math.round(Math.max(0, ms)) / 1000;

/** The agents' counters and what the dead-letter queue held at the end. */
export type RunCounters = Counters & { readonly deadLettered: number };

/** Errors in the counts, as sentences. */
export function countErrors(o: BenchOptions, c: RunCounters): string[] {
  const errors: string[] = [];
  if (o.confirm > 0) {
    if (c.nacked > 0) errors.push(`the broker nacked ${c.nacked} of ${c.published} published messages`);
    const missing = c.published - c.confirmed - c.nacked;
    if (missing !== 0) errors.push(`${missing} of ${c.published} published messages were never confirmed`);
  }
  if (o.deadLetterQueue !== "") {
    if (c.consumed + c.deadLettered !== c.routed) {
      errors.push(
        `consumers received ${c.consumed} messages and ${o.deadLetterQueue} holds ${c.deadLettered} dead-lettered, ${c.consumed + c.deadLettered} in all, expected ${c.routed} (${c.published} published, routed to the consumed queues)`,
      );
    }
  } else if (c.consumed !== c.routed) {
    errors.push(`consumers received ${c.consumed} messages, expected ${c.routed} (${c.published} published, routed to the consumed queues)`);
  }
  return errors;
}

export function buildResult(
  o: BenchOptions,
  uri: string,
  broker: BrokerIdentity,
  c: RunCounters,
  spans: Spans,
  latencyMs: Percentiles | null,
  timed: number,
  extraErrors: readonly string[],
  atStop: AtStop | null = null,
  steadyRates: SteadyRates | null = null,
): RunResult {
  const { scenario, ...options } = o;
  const errors = [...extraErrors, ...countErrors(o, c)];
  const publishMs = (c.lastPublishAt || spans.publishStart) - spans.publishStart;
  const confirmMs = (c.lastConfirmAt || spans.publishStart) - spans.publishStart;
  const consumeMs = (c.lastConsumeAt || spans.consumeStart) - spans.consumeStart;
  return {
    scenario: scenario ?? null,
    uri,
    broker,
    options,
    ok: errors.length === 0,
    errors,
    published: c.published,
    confirmed: c.confirmed,
    nacked: c.nacked,
    expected: c.routed,
    consumed: c.consumed,
    deadLettered: c.deadLettered,
    seconds: { publish: secs(publishMs), consume: secs(consumeMs), total: secs(spans.end - spans.publishStart) },
    rates: { published: rate(c.published, publishMs), confirmed: rate(c.confirmed, confirmMs), consumed: rate(c.consumed, consumeMs) },
    latencyMs,
    timed,
    blocked: c.blocked,
    atStop,
    steadyRates,
    loadCpuSeconds: Math.round(c.cpuMs) / 1000,
    generator: {
      cpuSeconds: Math.round(c.runCpuMs) / 1000,
      corePercentPer10k: c.consumed > 0 ? Math.round((c.runCpuMs / 1000) * (10_000 / c.consumed) * 100 * 100) / 100 : 0,
    },
  };
}

/** Adds `b` into `a`: counts add up, times take the latest. */
export function addCounters(a: Counters, b: Counters): Counters {
  return {
    published: a.published + b.published,
    confirmed: a.confirmed + b.confirmed,
    nacked: a.nacked + b.nacked,
    routed: a.routed + b.routed,
    consumed: a.consumed + b.consumed,
    blocked: a.blocked + b.blocked,
    lastPublishAt: Math.max(a.lastPublishAt, b.lastPublishAt),
    lastConfirmAt: Math.max(a.lastConfirmAt, b.lastConfirmAt),
    lastConsumeAt: Math.max(a.lastConsumeAt, b.lastConsumeAt),
    cpuMs: a.cpuMs + b.cpuMs,
    runCpuMs: a.runCpuMs + b.runCpuMs,
  };
}

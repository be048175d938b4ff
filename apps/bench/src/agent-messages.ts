/**
 * What the coordinator and its agent processes say to each other over the IPC channel. An agent
 * owns some producers and consumers, each on its own connection; the coordinator drives the
 * phases and adds up the reports.
 *
 *   coordinator                          agent
 *   start {plan}              ─────▶     connects everyone      ─────▶ ready
 *   consume                   ─────▶     basic.consume          ─────▶ consuming
 *   publish                   ─────▶     producers start
 *   (stop-publishing)         ─────▶     producers stop, confirms settle ─▶ published
 *   poll {latency}            ─────▶                             ─────▶ report (counters, latency since the last)
 *   stop                      ─────▶     acks flushed, closes    ─────▶ stopped, exits
 *                                        any connection lost    ─────▶ fatal
 */
import type { ClientKind } from "./clients.js";
import type { ProducerTarget } from "./topology.js";

export interface ClientSettings {
  /** Which client speaks AMQP: the raw one on @amqp-go/protocol, or amqplib. */
  readonly client: ClientKind;
  readonly size: number;
  readonly rate: number;
  readonly confirm: number;
  readonly persistent: boolean;
  /** 0: no priority property; N: a producer's message i carries priority i mod N. */
  readonly priorityLevels: number;
  readonly prefetch: number;
  readonly multiAck: number;
  readonly autoack: boolean;
  /** Seconds from "publish" whose messages are not timed. */
  readonly warmup: number;
}

export interface ProducerPlan {
  readonly id: number;
  readonly target: ProducerTarget;
  /** Messages to publish; Infinity until told to stop (IPC uses the structured-clone serialization). */
  readonly messages: number;
}

export interface ConsumerPlan {
  readonly id: number;
  readonly queue: string;
}

export interface AgentPlan {
  readonly index: number;
  readonly uri: string;
  readonly settings: ClientSettings;
  readonly producers: readonly ProducerPlan[];
  readonly consumers: readonly ConsumerPlan[];
}

/** Running totals of one agent; times are milliseconds on the shared monotonic clock, 0 for never. */
export interface Counters {
  published: number;
  confirmed: number;
  nacked: number;
  /** Deliveries the published messages should make to consumed queues (the sum of their fans). */
  routed: number;
  consumed: number;
  /** connection.blocked notices received (the broker's memory or disk alarm). */
  blocked: number;
  lastPublishAt: number;
  lastConfirmAt: number;
  lastConsumeAt: number;
  /** CPU milliseconds (user + system) the load process has used so far. */
  cpuMs: number;
  /** Of those, the ones used since publishing began (the run's own cost, without start-up). */
  runCpuMs: number;
}

export function zeroCounters(): Counters {
  return { published: 0, confirmed: 0, nacked: 0, routed: 0, consumed: 0, blocked: 0, lastPublishAt: 0, lastConfirmAt: 0, lastConsumeAt: 0, cpuMs: 0, runCpuMs: 0 };
}

export type ToAgent =
  | { readonly type: "start"; readonly plan: AgentPlan }
  | { readonly type: "consume" }
  | { readonly type: "publish" }
  | { readonly type: "stop-publishing" }
  | { readonly type: "poll"; readonly latency: boolean }
  | { readonly type: "stop" };

export type FromAgent =
  | { readonly type: "ready" }
  | { readonly type: "consuming" }
  | { readonly type: "published"; readonly counters: Counters }
  | { readonly type: "report"; readonly counters: Counters; readonly latency: string | null }
  | { readonly type: "stopped"; readonly counters: Counters; readonly latency: string | null }
  | { readonly type: "fatal"; readonly message: string };

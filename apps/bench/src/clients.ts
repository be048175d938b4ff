/**
 * What an agent runs, whichever client library speaks AMQP for it: `--client raw` (raw/clients.ts,
 * the lean generator on @amqp-go/protocol) or `--client amqplib` (amqplib-clients.ts).
 */
import type { AgentPlan, Counters } from "./agent-messages.js";
import type { Histogram } from "./latency.js";

export const CLIENTS = ["raw", "amqplib"] as const;
export type ClientKind = (typeof CLIENTS)[number];

export interface LoadProducer {
  start(): void;
  stop(): void;
  /** Settles once publishing stopped and every confirm arrived. */
  readonly done: Promise<void>;
}

export interface LoadConsumer {
  start(): Promise<void>;
  warmUp(seconds: number): void;
  flushAcks(): void;
}

/** An agent's clients, filled in as their connections open (so a failure half-way can close those). */
export interface LoadSet {
  readonly producers: LoadProducer[];
  readonly consumers: LoadConsumer[];
  readonly closers: (() => Promise<unknown>)[];
}

export interface AgentContext {
  readonly counters: Counters;
  readonly latency: Histogram;
  /** Ends the run: a connection or channel lost, a consumer cancelled. */
  fatal(message: string): void;
  /** True once the agent closes its connections itself. */
  closing(): boolean;
}

export type OpenClients = (plan: AgentPlan, ctx: AgentContext, into: LoadSet) => Promise<void>;

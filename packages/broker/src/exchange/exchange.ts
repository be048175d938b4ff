/**
 * The contract every exchange type implements: bindings in, destinations out. An exchange knows
 * nothing of queues: it routes to opaque destinations (queues or other exchanges).
 */
import type { FieldTable } from "@amqp-go/protocol";
import { deepEqualTable } from "./field-equal.js";
import { ExchangeStats } from "../stats.js";
import type { Policy } from "../policy/policy.js";

/** What a binding points at: a queue, or an exchange (exchange-to-exchange bindings). */
export interface Destination {
  readonly kind: "queue" | "exchange";
  readonly name: string;
  /** Set by the vhost while routing one message, so each destination is reached once. */
  routeMark?: number;
}

export interface Binding {
  readonly source: string;
  readonly destination: Destination;
  readonly routingKey: string;
  readonly arguments: FieldTable;
}

export interface ExchangeOptions {
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly internal: boolean;
  readonly arguments: FieldTable;
}

export abstract class Exchange implements Destination {
  readonly kind = "exchange" as const;
  routeMark = 0;
  abstract readonly type: string;
  /** Message counters for the management API (stats.ts). */
  readonly stats = new ExchangeStats();

  /** The policy that applies (apply-to exchanges or all; null: none). */
  policy: Policy | null = null;
  /**
   * Where a message this exchange routes nowhere goes: its own `alternate-exchange` argument, else
   * its policy's (rabbit_policy:get_arg: the argument wins); null: nowhere.
   */
  alternateExchange: string | null;

  constructor(
    readonly name: string,
    readonly options: ExchangeOptions,
  ) {
    const ae = options.arguments["alternate-exchange"];
    this.alternateExchange = typeof ae === "string" ? ae : null;
  }

  /** A policy was set, changed or cleared: the alternate exchange is chosen again. */
  applyPolicy(p: Policy | null): void {
    this.policy = p;
    const own = this.options.arguments["alternate-exchange"];
    const fromPolicy = p?.definition["alternate-exchange"];
    this.alternateExchange = typeof own === "string" ? own : typeof fromPolicy === "string" ? fromPolicy : null;
  }

  /** Adds a binding; false when an equal one (same destination, key and arguments) exists. */
  abstract bind(destination: Destination, routingKey: string, args: FieldTable): boolean;

  /** Removes a binding; false when there was none. */
  abstract unbind(destination: Destination, routingKey: string, args: FieldTable): boolean;

  /** Removes every binding to `destination` (it is being deleted); returns how many went. */
  abstract unbindAll(destination: Destination): number;

  /**
   * Pushes onto `out` each destination a message with this routing key (and headers, for the
   * headers exchange) goes to. A destination may be pushed more than once; the caller dedups.
   * Allocates nothing per call on the hot path.
   */
  abstract route(routingKey: string, headers: FieldTable | undefined, out: Destination[]): void;

  /** Is there a binding equal to this one? */
  hasBinding(destination: Destination, routingKey: string, args: FieldTable): boolean {
    return this.bindings().some(
      (b) => b.destination === destination && b.routingKey === routingKey && deepEqualTable(b.arguments, args),
    );
  }

  /** Every binding whose source is this exchange. */
  abstract bindings(): Binding[];

  abstract get bindingCount(): number;
}

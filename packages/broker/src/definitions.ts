/**
 * Durable exchanges, queues and bindings as a document shaped like RabbitMQ's definitions export
 * (`rabbitmqctl export_definitions`), saved on every change and restored at start. Arguments are
 * kept as encoded field tables (base64), so every value type survives exactly.
 */
import { decodeFieldTable, encodeFieldTable, type FieldTable } from "@amqp-go/protocol";
import type { Destination, Exchange } from "./exchange/exchange.js";
import type { Queue } from "./queue/queue.js";
import type { Vhost } from "./vhost.js";
import { makePolicy, policyJson } from "./policy/policy.js";

export interface Definitions {
  readonly vhosts: readonly { readonly name: string }[];
  readonly exchanges: readonly {
    readonly name: string;
    readonly vhost: string;
    readonly type: string;
    readonly durable: true;
    readonly auto_delete: boolean;
    readonly internal: boolean;
    readonly arguments: string;
  }[];
  readonly queues: readonly {
    readonly name: string;
    readonly vhost: string;
    readonly durable: true;
    readonly auto_delete: boolean;
    readonly arguments: string;
    /** Its messages are in `<dataDir>/queues/<store_id>` (amqp-go's own field). */
    readonly store_id?: number;
  }[];
  /** The store id the next durable queue gets: ids are never reused (amqp-go's own field). */
  readonly next_store_id?: number;
  readonly bindings: readonly {
    readonly source: string;
    readonly vhost: string;
    readonly destination: string;
    readonly destination_type: "queue" | "exchange";
    readonly routing_key: string;
    readonly arguments: string;
  }[];
  /** Policies, in RabbitMQ's shape (absent in files of versions before policies). */
  readonly policies?: readonly ReturnType<typeof policyJson>[];
  /** Operator policies, in the same shape (amqp-go's own field: RabbitMQ's exports have none). */
  readonly operator_policies?: readonly ReturnType<typeof policyJson>[];
}

/** Where arguments are encoded: one buffer for all (a table is at most 64 KiB here), not one per entry. */
let scratch = Buffer.allocUnsafe(1 << 16);
const EMPTY_TABLE = "AAAAAA==";

export function encodeArgs(t: FieldTable): string {
  for (const _ in t) {
    for (;;) {
      try {
        const end = encodeFieldTable(scratch, 0, t);
        return scratch.subarray(0, end).toString("base64");
      } catch (e) {
        if (!(e instanceof RangeError) || scratch.length >= 1 << 26) throw e;
        scratch = Buffer.allocUnsafe(scratch.length * 4);
      }
    }
  }
  return EMPTY_TABLE;
}

function decodeArgs(s: string): FieldTable {
  if (s === EMPTY_TABLE) return {};
  const b = Buffer.from(s, "base64");
  return decodeFieldTable(b, 4, b.length);
}

const survives = (q: Queue) => q.options.durable && !q.options.exclusive;

export type ExchangeDefinition = Definitions["exchanges"][number];
export type QueueDefinition = Definitions["queues"][number];
export type BindingDefinition = Definitions["bindings"][number];

export function exchangeDefinition(vhost: string, e: Exchange): ExchangeDefinition {
  return { name: e.name, vhost, type: e.type, durable: true, auto_delete: e.options.autoDelete, internal: e.options.internal, arguments: encodeArgs(e.options.arguments) };
}

export function queueDefinition(vhost: string, q: Queue): QueueDefinition {
  return {
    name: q.name,
    vhost,
    durable: true,
    auto_delete: q.options.autoDelete,
    arguments: encodeArgs(q.options.arguments),
    ...(q.storeId > 0 ? { store_id: q.storeId } : {}),
  };
}

export function bindingDefinition(vhost: string, source: string, d: Destination, routingKey: string, args: FieldTable): BindingDefinition {
  return { source, vhost, destination: d.name, destination_type: d.kind, routing_key: routingKey, arguments: encodeArgs(args) };
}

/** What of these vhosts survives a restart. */
export function definitionsOf(vhosts: Iterable<Vhost>, nextStoreId = 0): Definitions {
  const out = {
    vhosts: [] as { name: string }[],
    exchanges: [] as Definitions["exchanges"][number][],
    queues: [] as Definitions["queues"][number][],
    bindings: [] as Definitions["bindings"][number][],
    policies: [] as ReturnType<typeof policyJson>[],
    operator_policies: [] as ReturnType<typeof policyJson>[],
    ...(nextStoreId > 0 ? { next_store_id: nextStoreId } : {}),
  };
  for (const v of vhosts) {
    out.vhosts.push({ name: v.name });
    for (const p of v.policies.values()) out.policies.push(policyJson(p));
    for (const p of v.operatorPolicies.values()) out.operator_policies.push(policyJson(p));
    for (const e of v.exchanges.values()) {
      if (!e.options.durable) continue;
      if (e.name !== "" && !e.name.startsWith("amq.")) out.exchanges.push(exchangeDefinition(v.name, e));
      for (const b of e.bindings()) {
        const d = b.destination;
        const keep = d.kind === "queue" ? survives(d as Queue) : (d as Exchange).options.durable;
        if (!keep) continue;
        out.bindings.push(bindingDefinition(v.name, e.name, d, b.routingKey, b.arguments));
      }
    }
    for (const q of v.queues.values()) {
      if (!survives(q)) continue;
      out.queues.push(queueDefinition(v.name, q));
    }
  }
  return out;
}

/** Declares what `defs` holds into the vhosts (`vhost(name)` gives or makes one). */
export function restoreDefinitions(defs: Definitions, vhost: (name: string) => Vhost): void {
  for (const v of defs.vhosts) vhost(v.name);
  // before the queues: a queue is declared back under its policy
  const restore = (list: Definitions["policies"], operator: boolean) => {
    for (const p of list ?? []) {
      try {
        const policy = makePolicy(p.vhost, p.name, { pattern: p.pattern, definition: p.definition, priority: p.priority, applyTo: p["apply-to"] }, operator);
        (operator ? vhost(p.vhost).operatorPolicies : vhost(p.vhost).policies).set(p.name, policy);
      } catch {
        // a policy this version refuses is left out (it was valid when saved)
      }
    }
  };
  restore(defs.policies, false);
  restore(defs.operator_policies, true);
  const owner = {};
  for (const e of defs.exchanges) {
    vhost(e.vhost).declareExchange({
      name: e.name,
      type: e.type,
      passive: false,
      durable: true,
      autoDelete: e.auto_delete,
      internal: e.internal,
      arguments: decodeArgs(e.arguments),
    });
  }
  for (const q of defs.queues) {
    // A server-named queue (amq.gen-...) is declared back under its name, past the reserved-prefix check.
    const serverNamed = q.name.startsWith("amq.");
    const queue = vhost(q.vhost).declareQueue(
      {
        name: serverNamed ? "" : q.name,
        ...(serverNamed ? { serverName: q.name } : {}),
        passive: false,
        durable: true,
        exclusive: false,
        autoDelete: q.auto_delete,
        arguments: decodeArgs(q.arguments),
        recovered: true,
      },
      owner,
    );
    if (q.store_id !== undefined) queue.storeId = q.store_id;
  }
  for (const b of defs.bindings) {
    const v = vhost(b.vhost);
    const destination = b.destination_type === "queue" ? v.queues.get(b.destination) : v.exchanges.get(b.destination);
    if (destination === undefined || !v.exchanges.has(b.source)) continue;
    v.bind(b.source, destination, b.routing_key, decodeArgs(b.arguments));
  }
}

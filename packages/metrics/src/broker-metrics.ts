/**
 * The broker's figures as Prometheus metrics, named as RabbitMQ's rabbitmq_prometheus plugin names
 * them (so RabbitMQ dashboards work), our own under `amqpgo_`. Nothing is pushed per message:
 * every value is read from the broker's plain-number counters and its vhosts when scraped.
 *
 * Three endpoints, as RabbitMQ's: /metrics (totals: per-object figures summed, unless
 * `perObject`, RabbitMQ's `prometheus.return_per_object_metrics`), /metrics/per-object and
 * /metrics/detailed?family=...&vhost=... (core-metrics.ts).
 */
import type { Broker } from "@amqp-go/broker";
import { collectDefaultMetrics, Registry } from "prom-client";
import { counterOf, gaugeOf } from "./collectors.js";
import { type CoreScope, registerCoreMetrics } from "./core-metrics.js";
import { registerDeadLetterMetrics } from "./dead-letter-metrics.js";
import { registerGlobalMetrics } from "./global-metrics.js";
import { type Endpoint, fullIdentity, type Identity, registerIdentity } from "./identity.js";
import { registerAlarms } from "./node-metrics.js";
import { registerStorageMetrics } from "./storage-metrics.js";

export interface BrokerMetricsOptions {
  /** Also collect prom-client's process and Node figures (event-loop lag, heap, GC, RSS). Default true. */
  defaultMetrics?: boolean;
  /** /metrics serves one series per queue, channel and connection, as /metrics/per-object does (RabbitMQ's `prometheus.return_per_object_metrics`). Default false: totals. */
  perObject?: boolean;
  /** rabbitmq_identity_info's and rabbitmq_build_info's values. */
  identity?: Identity;
}

/** The registries behind the three endpoints. */
export interface MetricsEndpoints {
  /** GET /metrics */
  readonly metrics: Registry;
  /** GET /metrics/per-object */
  readonly perObject: Registry;
  /** GET /metrics/detailed?family=F&vhost=V: only the groups `families`, queue groups only in `vhosts` (all when empty). */
  detailed(families: readonly string[], vhosts: readonly string[]): Registry;
}

/** The /metrics registry: `registry.metrics()` renders the text format. */
export function brokerRegistry(broker: Broker, options: BrokerMetricsOptions = {}): Registry {
  return brokerEndpoints(broker, options).metrics;
}

export function brokerEndpoints(broker: Broker, options: BrokerMetricsOptions = {}): MetricsEndpoints {
  const identity = fullIdentity(options.identity ?? {}, broker.options.version);
  let defaults: Registry | undefined;
  if (options.defaultMetrics !== false) {
    defaults = new Registry();
    collectDefaultMetrics({ register: defaults });
  }
  const full = (perObject: boolean): Registry => {
    const registry = new Registry();
    registerBrokerMetrics(registry, broker, perObject ? { kind: "per-object" } : { kind: "aggregated" });
    registerIdentity(registry, identity, perObject ? "per-object" : "aggregated");
    for (const m of defaults?.getMetricsAsArray() ?? []) registry.registerMetric(m as unknown as Parameters<Registry["registerMetric"]>[0]);
    return registry;
  };
  const perObject = full(true);
  return {
    metrics: options.perObject === true ? perObject : full(false),
    perObject,
    detailed(families, vhosts) {
      const registry = new Registry();
      registerCoreMetrics(registry, broker, { kind: "detailed", groups: new Set(families), vhosts: new Set(vhosts) });
      registerIdentity(registry, identity, "detailed" satisfies Endpoint);
      return registry;
    },
  };
}

function registerBrokerMetrics(registry: Registry, broker: Broker, scope: CoreScope): void {
  const k = broker.counters;
  registerCoreMetrics(registry, broker, scope);
  registerGlobalMetrics(registry, broker);
  registerAlarms(registry, broker);
  registerDeadLetterMetrics(registry, broker);
  registerStorageMetrics(registry, broker);
  // ours
  counterOf(registry, "amqpgo_messages_rejected_total", "Deliveries nacked or rejected by consumers", () => k.rejected);
  counterOf(registry, "amqpgo_auth_failures_total", "Refused logins", () => k.authFailures);
  gaugeOf(registry, "amqpgo_memory_message_bytes", "Message octets held in memory, as counted for the memory alarm", () => broker.memory.bytes);
  gaugeOf(registry, "amqpgo_memory_high_watermark_bytes", "Memory alarm threshold", () => broker.memory.highWatermark);
  gaugeOf(registry, "amqpgo_connections_flow", "Connections held back by credit flow (a queue they publish to is over its flow mark)", () => broker.connectionsIn("flow"));
  gaugeOf(registry, "amqpgo_connections_blocked", "Connections blocked by the memory alarm", () => broker.connectionsIn("blocked"));
}

/**
 * The broker's figures as Prometheus metrics, named as RabbitMQ's rabbitmq_prometheus plugin names
 * them (so RabbitMQ dashboards work), our own under `amqpgo_`. Nothing is pushed per message:
 * every value is read from the broker's plain-number counters and its vhosts when scraped.
 */
import type { Broker } from "@amqp-go/broker";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { counterOf, gaugeOf } from "./collectors.js";
import { registerDeadLetterMetrics } from "./dead-letter-metrics.js";
import { registerStorageMetrics } from "./storage-metrics.js";

type Counters = Broker["counters"];

export interface BrokerMetricsOptions {
  /** Also collect prom-client's process and Node figures (event-loop lag, heap, GC, RSS). Default true. */
  defaultMetrics?: boolean;
}

const QUEUE_LABELS = ["vhost", "queue"] as const;

/** A registry with every broker metric; `registry.metrics()` renders the text format. */
export function brokerRegistry(broker: Broker, options: BrokerMetricsOptions = {}): Registry {
  const registry = new Registry();
  const k: Counters = broker.counters;

  // ---- totals, RabbitMQ's names (rabbitmq_global_*) -------------------------------------------
  const totals: [string, string, (c: Counters) => number][] = [
    ["rabbitmq_global_messages_received_total", "Messages published to the broker", (c) => c.published],
    ["rabbitmq_global_messages_routed_total", "Message copies routed to queues", (c) => c.routed],
    ["rabbitmq_global_messages_unroutable_dropped_total", "Unroutable messages dropped", (c) => c.unroutableDropped],
    ["rabbitmq_global_messages_unroutable_returned_total", "Unroutable messages returned to publishers", (c) => c.unroutableReturned],
    ["rabbitmq_global_messages_confirmed_total", "Messages confirmed to publishers", (c) => c.confirmed],
    ["rabbitmq_global_messages_delivered_total", "Messages delivered to consumers and basic.get", (c) => c.delivered],
    ["rabbitmq_global_messages_delivered_consume_auto_ack_total", "Messages delivered without acknowledgement", (c) => c.deliveredNoAck],
    ["rabbitmq_global_messages_redelivered_total", "Messages redelivered", (c) => c.redelivered],
    ["rabbitmq_global_messages_acknowledged_total", "Messages acknowledged by consumers", (c) => c.acknowledged],
    ["rabbitmq_global_messages_get_empty_total", "basic.get answered with get-empty", (c) => c.getEmpty],
    ["rabbitmq_connections_opened_total", "Connections opened", (c) => c.connectionsOpened],
    ["rabbitmq_connections_closed_total", "Connections closed", (c) => c.connectionsClosed],
    ["rabbitmq_channels_opened_total", "Channels opened", (c) => c.channelsOpened],
    ["rabbitmq_channels_closed_total", "Channels closed", (c) => c.channelsClosed],
    ["amqpgo_messages_rejected_total", "Deliveries nacked or rejected by consumers", (c) => c.rejected],
    ["amqpgo_auth_failures_total", "Refused logins", (c) => c.authFailures],
  ];
  for (const [name, help, read] of totals) counterOf(registry, name, help, () => read(k));

  // ---- current state ----------------------------------------------------------------------------
  const queues = () => [...broker.vhosts.values()].flatMap((v) => [...v.queues.values()]);
  gaugeOf(registry, "rabbitmq_connections", "Open connections", () => broker.connections.size);
  gaugeOf(registry, "rabbitmq_channels", "Open channels", () => broker.channelCount);
  gaugeOf(registry, "rabbitmq_queues", "Queues", () => queues().length);
  gaugeOf(registry, "rabbitmq_consumers", "Consumers", () => queues().reduce((n, q) => n + q.consumerCount, 0));
  gaugeOf(registry, "amqpgo_memory_message_bytes", "Message octets held in memory, as counted for the memory alarm", () => broker.memory.bytes);
  gaugeOf(registry, "amqpgo_memory_high_watermark_bytes", "Memory alarm threshold", () => broker.memory.highWatermark);
  gaugeOf(registry, "amqpgo_connections_flow", "Connections held back by credit flow (a queue they publish to is over its flow mark)", () => broker.connectionsIn("flow"));
  gaugeOf(registry, "amqpgo_connections_blocked", "Connections blocked by the memory alarm", () => broker.connectionsIn("blocked"));
  gaugeOf(registry, "rabbitmq_alarms_memory_used_watermark", "1 while the memory alarm is on", () => (broker.memory.alarmed ? 1 : 0));
  gaugeOf(registry, "rabbitmq_alarms_free_disk_space_watermark", "1 while the disk alarm is on (free disk space below disk_free_limit)", () => (broker.disk?.alarmed === true ? 1 : 0));
  gaugeOf(registry, "rabbitmq_disk_space_available_bytes", "Free disk space of the data directory's file system at the last check", () => Math.max(0, broker.disk?.free ?? 0));
  gaugeOf(registry, "rabbitmq_disk_space_available_limit_bytes", "Disk alarm threshold (disk_free_limit)", () => broker.disk?.limit ?? 0);

  // ---- per queue (labels vhost, queue) ----------------------------------------------------------
  const perQueue: [string, string, (q: ReturnType<typeof queues>[number]) => number][] = [
    ["rabbitmq_queue_messages_ready", "Messages ready to be delivered", (q) => q.messageCount],
    ["rabbitmq_queue_messages_unacked", "Messages delivered and not yet acknowledged", (q) => q.unacked],
    ["rabbitmq_queue_messages", "Messages ready and unacknowledged", (q) => q.messageCount + q.unacked],
    ["rabbitmq_queue_consumers", "Consumers of the queue", (q) => q.consumerCount],
    ["rabbitmq_queue_messages_bytes", "Octets of the queue's messages, ready and unacknowledged", (q) => q.bytes],
  ];
  for (const [name, help, read] of perQueue) {
    new Gauge({
      name,
      help,
      labelNames: QUEUE_LABELS,
      registers: [registry],
      collect() {
        this.reset();
        for (const v of broker.vhosts.values()) {
          for (const q of v.queues.values()) this.set({ vhost: v.name, queue: q.name }, read(q));
        }
      },
    });
  }

  registerStorageMetrics(registry, broker);
  registerDeadLetterMetrics(registry, broker);

  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

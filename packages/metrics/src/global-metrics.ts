/**
 * rabbitmq_prometheus's global counters (rabbitmq_global_*, label `protocol`), the totals of open
 * objects (rabbitmq_connections, _channels, _consumers, _queues) and the message size histogram
 * (rabbitmq_message_size_bytes, RabbitMQ 4.1's, with its buckets and its `le` spelling). All read
 * from the broker's plain-number counters when scraped.
 *
 * The delivery counters are split by `queue_type` as RabbitMQ splits them: rabbit_classic_queue,
 * rabbit_quorum_queue, and rabbit_stream_queue, which stays 0 (amqp-go has no streams).
 */
import type { Broker } from "@amqp-go/broker";
import type { Registry } from "prom-client";
import { erlangBound, histogramSamples, registerFamily, registerValue } from "./family.js";

type Counters = Broker["counters"];
type Quorum = Counters["quorum"];
const AMQP091 = { protocol: "amqp091" } as const;

const GLOBAL: [string, string, (c: Counters) => number][] = [
  ["messages_received_total", "Total number of messages received from publishers", (c) => c.published],
  ["messages_received_confirm_total", "Total number of messages received from publishers expecting confirmations", (c) => c.publishedConfirm],
  ["messages_routed_total", "Total number of messages routed to queues or streams", (c) => c.routed],
  ["messages_unroutable_dropped_total", "Total number of messages published as non-mandatory into an exchange and dropped as unroutable", (c) => c.unroutableDropped],
  ["messages_unroutable_returned_total", "Total number of messages published as mandatory into an exchange and returned to the publisher as unroutable", (c) => c.unroutableReturned],
  ["messages_confirmed_total", "Total number of messages confirmed to publishers", (c) => c.confirmed],
];

/** Counted per queue type: read from the totals (all queues) and the quorum share. */
const PER_QUEUE_TYPE: [string, string, (c: Counters | Quorum) => number][] = [
  ["messages_delivered_total", "Total number of messages delivered to consumers", (c) => c.delivered],
  ["messages_delivered_consume_manual_ack_total", "Total number of messages delivered to consumers using basic.consume with manual acknowledgment", (c) => c.delivered - c.deliveredNoAck - c.got],
  ["messages_delivered_consume_auto_ack_total", "Total number of messages delivered to consumers using basic.consume with automatic acknowledgment", (c) => c.deliveredNoAck - c.gotNoAck],
  ["messages_delivered_get_manual_ack_total", "Total number of messages delivered to consumers using basic.get with manual acknowledgment", (c) => c.got],
  ["messages_delivered_get_auto_ack_total", "Total number of messages delivered to consumers using basic.get with automatic acknowledgment", (c) => c.gotNoAck],
  ["messages_get_empty_total", "Total number of times basic.get operations fetched no message", (c) => c.getEmpty],
  ["messages_redelivered_total", "Total number of messages redelivered to consumers", (c) => c.redelivered],
  ["messages_acknowledged_total", "Total number of messages acknowledged by consumers", (c) => c.acknowledged],
];
const CLASSIC = { protocol: "amqp091", queue_type: "rabbit_classic_queue" } as const;
const QUORUM = { protocol: "amqp091", queue_type: "rabbit_quorum_queue" } as const;
const STREAM = { protocol: "amqp091", queue_type: "rabbit_stream_queue" } as const;

/** Consumers of every queue. */
export function consumerCount(broker: Broker): number {
  let n = 0;
  for (const v of broker.vhosts.values()) for (const q of v.queues.values()) n += q.consumerCount;
  return n;
}

/** Open channels that have published (RabbitMQ counts a channel as a publisher from its first publish). */
export function publisherCount(broker: Broker): number {
  let n = 0;
  for (const c of broker.connections) for (const ch of c.openChannelList()) if (ch.stats.publish > 0) n++;
  return n;
}

function queueCount(broker: Broker): number {
  let n = 0;
  for (const v of broker.vhosts.values()) n += v.queues.size;
  return n;
}

export function registerGlobalMetrics(registry: Registry, broker: Broker): void {
  const k = broker.counters;
  for (const [name, help, read] of GLOBAL) {
    registerFamily(registry, `rabbitmq_global_${name}`, "counter", help, () => [{ labels: AMQP091, value: read(k) }]);
  }
  for (const [name, help, read] of PER_QUEUE_TYPE) {
    registerFamily(registry, `rabbitmq_global_${name}`, "counter", help, () => {
      const quorum = read(k.quorum);
      return [
        { labels: CLASSIC, value: read(k) - quorum },
        { labels: QUORUM, value: quorum },
        { labels: STREAM, value: 0 },
      ];
    });
  }
  const auth: [string, string, () => number][] = [
    ["rabbitmq_auth_attempts_total", "Total number of authorization attempts", () => k.authSucceeded + k.authFailures],
    ["rabbitmq_auth_attempts_succeeded_total", "Total number of successful authentication attempts", () => k.authSucceeded],
    ["rabbitmq_auth_attempts_failed_total", "Total number of failed authentication attempts", () => k.authFailures],
  ];
  for (const [name, help, read] of auth) registerFamily(registry, name, "counter", help, () => [{ labels: AMQP091, value: read() }]);
  registerFamily(registry, "rabbitmq_global_publishers", "gauge", "Current number of publishers", () => [{ labels: AMQP091, value: publisherCount(broker) }]);
  registerFamily(registry, "rabbitmq_global_consumers", "gauge", "Current number of consumers", () => [{ labels: AMQP091, value: consumerCount(broker) }]);
  registerFamily(registry, "rabbitmq_message_size_bytes", "histogram", "Size of messages received from publishers", () =>
    histogramSamples("rabbitmq_message_size_bytes", k.messageSizes, AMQP091, erlangBound),
  );
  registerValue(registry, "rabbitmq_connections", "gauge", "Connections currently open", () => broker.connections.size);
  registerValue(registry, "rabbitmq_channels", "gauge", "Channels currently open", () => broker.channelCount);
  registerValue(registry, "rabbitmq_consumers", "gauge", "Consumers currently connected", () => consumerCount(broker));
  registerValue(registry, "rabbitmq_queues", "gauge", "Queues available", () => queueCount(broker));
}

/**
 * The figures of rabbitmq_prometheus's core collector, in its groups ("families" in the
 * /metrics/detailed?family= query): churn totals, the node's figures, and the per-object ones
 * (queues, channels, connections, exchanges, vhosts). How they are served follows RabbitMQ:
 *
 * - `aggregated` (/metrics): every group; each per-object metric is one sample, the sum over all
 *   objects, without labels.
 * - `per-object` (/metrics/per-object, or /metrics with return_per_object_metrics): every group,
 *   one sample per object with its labels (`vhost`, `queue`; `channel`).
 * - `detailed` (/metrics/detailed): only the groups asked for, per object, named
 *   `rabbitmq_detailed_*` (`rabbitmq_cluster_*` for the vhost and exchange groups, which are
 *   cluster-wide), queue groups only in the vhosts asked for (all when none is), as RabbitMQ 3.10.
 *
 * A channel's label is the management API's channel name ("peer:port -> local:port (n)"); a
 * connection's is its name, under the label `channel` as RabbitMQ writes it.
 */
import type { Broker, Channel, Connection, Exchange, Queue, Vhost } from "@amqp-go/broker";
import type { Registry } from "prom-client";
import { type FamilyType, labelText, registerFamily, type Sample, valueText } from "./family.js";
import { maxFds, openFds } from "./node-metrics.js";

export type CoreScope =
  | { readonly kind: "aggregated" }
  | { readonly kind: "per-object" }
  | { readonly kind: "detailed"; readonly groups: ReadonlySet<string>; readonly vhosts: ReadonlySet<string> };

interface Objects {
  queue: [Vhost, Queue];
  channel: [Connection, Channel];
  connection: Connection;
  exchange: [Vhost, Exchange];
  vhost: Vhost;
}
type Kind = keyof Objects;
type Entry =
  | { readonly name: string; readonly type: FamilyType; readonly help: string; readonly read: (b: Broker) => number }
  | { [K in Kind]: { readonly name: string; readonly type: FamilyType; readonly help: string; readonly of: K; readonly read: (o: Objects[K]) => number } }[Kind];

const c = (name: string, help: string, read: (b: Broker) => number): Entry => ({ name, type: "counter", help, read });
const g = (name: string, help: string, read: (b: Broker) => number): Entry => ({ name, type: "gauge", help, read });
function q(name: string, type: FamilyType, help: string, read: (q: Queue) => number): Entry {
  return { name, type, help, of: "queue", read: ([, queue]: [Vhost, Queue]) => read(queue) };
}
function ch(name: string, help: string, read: (ch: Channel) => number): Entry {
  return { name, type: "gauge", help, of: "channel", read: ([, channel]: [Connection, Channel]) => read(channel) };
}
function conn(name: string, type: FamilyType, help: string, read: (c: Connection) => number): Entry {
  return { name, type, help, of: "connection", read };
}

/** RabbitMQ's groups, with the metrics amqp-go has of each (names without the rabbitmq_ prefix). */
export const GROUPS: Readonly<Record<string, readonly Entry[]>> = {
  connection_churn_metrics: [
    c("connections_opened_total", "Total number of connections opened", (b) => b.counters.connectionsOpened),
    c("connections_closed_total", "Total number of connections closed or terminated", (b) => b.counters.connectionsClosed),
    c("channels_opened_total", "Total number of channels opened", (b) => b.counters.channelsOpened),
    c("channels_closed_total", "Total number of channels closed", (b) => b.counters.channelsClosed),
    c("queues_declared_total", "Total number of queues declared", (b) => b.counters.queuesDeclared),
    c("queues_created_total", "Total number of queues created", (b) => b.counters.queuesCreated),
    c("queues_deleted_total", "Total number of queues deleted", (b) => b.counters.queuesDeleted),
  ],
  node_coarse_metrics: [
    g("process_open_fds", "Open file descriptors", openFds),
    g("process_open_tcp_sockets", "Open TCP sockets", (b) => b.connections.size),
    g("process_resident_memory_bytes", "Memory used in bytes", () => process.memoryUsage.rss()),
    g("disk_space_available_bytes", "Disk space available in bytes", (b) => Math.max(0, b.disk?.free ?? 0)),
  ],
  node_metrics: [
    g("process_max_fds", "Open file descriptors limit", maxFds),
    g("process_max_tcp_sockets", "Open TCP sockets limit", maxFds),
    g("resident_memory_limit_bytes", "Memory high watermark in bytes", (b) => b.memory.highWatermark),
    g("disk_space_available_limit_bytes", "Free disk space low watermark in bytes", (b) => b.disk?.limit ?? 0),
    g("erlang_uptime_seconds", "Node uptime", () => Math.round(process.uptime() * 1000) / 1000),
  ],
  queue_coarse_metrics: [
    q("queue_messages_ready", "gauge", "Messages ready to be delivered to consumers", (x) => x.messageCount),
    q("queue_messages_unacked", "gauge", "Messages delivered to consumers but not yet acknowledged", (x) => x.unacked),
    q("queue_messages", "gauge", "Sum of ready and unacknowledged messages - total queue depth", (x) => x.messageCount + x.unacked),
  ],
  queue_consumer_count: [q("queue_consumers", "gauge", "Consumers on a queue", (x) => x.consumerCount)],
  queue_metrics: [
    q("queue_consumers", "gauge", "Consumers on a queue", (x) => x.consumerCount),
    q("queue_messages_bytes", "gauge", "Size in bytes of ready and unacknowledged messages", (x) => x.bytes),
    q("queue_messages_ready_bytes", "gauge", "Size in bytes of ready messages", (x) => x.readyBytes),
    q("queue_messages_unacked_bytes", "gauge", "Size in bytes of all unacknowledged messages", (x) => x.bytes - x.readyBytes),
  ],
  channel_metrics: [
    ch("channel_consumers", "Consumers on a channel", (x) => x.deliveryState.consumerCount),
    ch("channel_messages_unacked", "Delivered but not yet acknowledged messages", (x) => x.deliveryState.unacknowledged),
    ch("consumer_prefetch", "Limit of unacknowledged messages for each consumer", (x) => x.deliveryState.prefetch),
    ch("channel_prefetch", "Total limit of unacknowledged messages for all consumers on a channel", (x) => x.deliveryState.globalPrefetch),
  ],
  connection_coarse_metrics: [
    conn("connection_incoming_bytes_total", "counter", "Total number of bytes received on a connection", (x) => x.socket.bytesRead),
    conn("connection_outgoing_bytes_total", "counter", "Total number of bytes sent on a connection", (x) => x.socket.bytesWritten),
  ],
  connection_metrics: [
    conn("connection_channels", "gauge", "Channels on a connection", (x) => x.channelCount),
  ],
  // detailed only, as rabbitmq_cluster_*
  vhost_status: [{ name: "vhost_status", type: "gauge", help: "Whether a given vhost is running", of: "vhost", read: () => 1 }],
  exchange_names: [
    { name: "exchange_name", type: "gauge", help: "Enumerates exchanges without any additional info. This value is cluster-wide. A cheaper alternative to `exchange_bindings`", of: "exchange", read: () => 1 },
  ],
  exchange_bindings: [
    { name: "exchange_bindings", type: "gauge", help: "Number of bindings for an exchange. This value is cluster-wide.", of: "exchange", read: ([, x]: [Vhost, Exchange]) => x.bindingCount },
  ],
};

/** Groups served only by /metrics/detailed, under rabbitmq_cluster_. */
const CLUSTER_GROUPS = new Set(["vhost_status", "exchange_names", "exchange_bindings"]);
const QUEUE_GROUPS = new Set(["queue_coarse_metrics", "queue_consumer_count", "queue_metrics"]);

export function connectionName(x: Connection): string {
  const s = x.socket;
  return `${s.remoteAddress}:${s.remotePort} -> ${s.localAddress}:${s.localPort}`;
}

/** An object with its labels, and the labels as written (made when first needed). */
class Listed {
  private written: string | undefined;

  constructor(
    readonly labels: Record<string, string>,
    readonly o: unknown,
  ) {}

  get text(): string {
    return (this.written ??= labelText(this.labels));
  }
}

/**
 * Each object's Listed, made at its first scrape and kept while the object lives: an object's labels
 * never change (a queue's vhost and name, a connection's addresses, a channel's number), and a
 * 1,000-queue scrape made 1,000 label objects and their text anew each time otherwise.
 */
const listed = new WeakMap<object, Listed>();

function remember(key: object, labels: Record<string, string>, o: unknown): Listed {
  const x = new Listed(labels, o);
  listed.set(key, x);
  return x;
}

/** Every object of a kind with its labels, in the vhosts `only` (all when null). */
function objects(broker: Broker, kind: Kind, only: ReadonlySet<string> | null): Listed[] {
  const out: Listed[] = [];
  const inScope = (v: Vhost) => only === null || only.has(v.name);
  switch (kind) {
    case "queue":
      for (const v of broker.vhosts.values()) {
        if (!inScope(v)) continue;
        for (const x of v.queues.values()) out.push(listed.get(x) ?? remember(x, { vhost: v.name, queue: x.name }, [v, x]));
      }
      break;
    case "exchange":
      for (const v of broker.vhosts.values()) {
        if (!inScope(v)) continue;
        for (const x of v.exchanges.values()) if (x.name !== "") out.push(listed.get(x) ?? remember(x, { vhost: v.name, exchange: x.name, type: x.type }, [v, x]));
      }
      break;
    case "vhost":
      for (const v of broker.vhosts.values()) if (inScope(v)) out.push(listed.get(v) ?? remember(v, { vhost: v.name }, v));
      break;
    case "connection":
      for (const x of broker.connections) out.push(listed.get(x) ?? remember(x, { channel: connectionName(x) }, x));
      break;
    case "channel":
      for (const x of broker.connections) {
        for (const y of x.openChannelList()) out.push(listed.get(y) ?? remember(y, { channel: `${connectionName(x)} (${y.number})` }, [x, y]));
      }
      break;
  }
  return out;
}

/**
 * The object lists of one run: families collected in one synchronous run (prom-client's
 * `registry.metrics()`, `getMetricsAsJSON()`) share a kind's list, dropped once the run ends.
 * exposition() writes a family a turn, so there each family lists afresh: an array of the kept
 * Listed, a few microseconds for 1,000 queues.
 */
class ScrapeLists {
  private readonly lists = new Map<string, Listed[]>();
  private dropping = false;

  constructor(
    private readonly broker: Broker,
    /** The vhosts of /metrics/detailed?vhost=, for the groups it filters; null: all. */
    private readonly vhosts: ReadonlySet<string> | null,
  ) {}

  of(kind: Kind, filtered: boolean): Listed[] {
    const key = filtered ? `${kind} in vhosts` : kind;
    let list = this.lists.get(key);
    if (list === undefined) {
      list = objects(this.broker, kind, filtered ? this.vhosts : null);
      this.lists.set(key, list);
      if (!this.dropping) {
        this.dropping = true;
        queueMicrotask(() => {
          this.lists.clear();
          this.dropping = false;
        });
      }
    }
    return list;
  }
}

const NO_LABELS: Record<string, string> = {};

/** Registers the core groups as `scope` serves them. */
export function registerCoreMetrics(registry: Registry, broker: Broker, scope: CoreScope): void {
  const seen = new Set<string>();
  const lists = new ScrapeLists(broker, scope.kind === "detailed" && scope.vhosts.size > 0 ? scope.vhosts : null);
  for (const [group, entries] of Object.entries(GROUPS)) {
    const cluster = CLUSTER_GROUPS.has(group);
    if (scope.kind === "detailed" ? !scope.groups.has(group) : cluster) continue;
    const prefix = scope.kind !== "detailed" ? "rabbitmq_" : cluster ? "rabbitmq_cluster_" : "rabbitmq_detailed_";
    const only = scope.kind === "detailed" && scope.vhosts.size > 0 && QUEUE_GROUPS.has(group) ? scope.vhosts : null;
    for (const e of entries) {
      const name = prefix + e.name;
      if (seen.has(name)) continue; // queue_consumers is in two groups, as in RabbitMQ
      seen.add(name);
      if (!("of" in e)) {
        const read = e.read;
        registerFamily(registry, name, e.type, e.help, () => [{ labels: NO_LABELS, value: read(broker) }]);
        continue;
      }
      const read = e.read as (o: unknown) => number;
      const kind = e.of;
      const filtered = only !== null;
      const collect = (): Sample[] => {
        const all = lists.of(kind, filtered);
        if (scope.kind === "aggregated") {
          let sum = 0;
          for (const x of all) sum += read(x.o);
          return [{ labels: NO_LABELS, value: sum }];
        }
        const out: Sample[] = new Array(all.length);
        for (let i = 0; i < all.length; i++) {
          const x = all[i]!;
          out[i] = { labels: x.labels, labelText: x.text, value: read(x.o) };
        }
        return out;
      };
      // per object, the lines straight from the kept label text: no Sample per queue per family
      const lines = (): string => {
        let out = "";
        for (const x of lists.of(kind, filtered)) out += `\n${name}${x.text} ${valueText(read(x.o))}`;
        return out;
      };
      registerFamily(registry, name, e.type, e.help, collect, scope.kind === "aggregated" ? undefined : lines);
    }
  }
}

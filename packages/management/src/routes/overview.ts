/** /api/overview, /api/whoami, /api/nodes, and the health checks. */
import { availableParallelism } from "node:os";
import type { Broker } from "@amqp-go/broker";
import type { Api } from "../api.js";
import { RABBITMQ_VERSION } from "../api.js";
import { notFound } from "../http-error.js";
import { type ApiRequest, ok, type Route } from "../route.js";
import { details, messageStats } from "./stats-view.js";

export const EXCHANGE_TYPES = [
  { name: "direct", description: "AMQP direct exchange, as per the AMQP specification", enabled: true },
  { name: "fanout", description: "AMQP fanout exchange, as per the AMQP specification", enabled: true },
  { name: "headers", description: "AMQP headers exchange, as per the AMQP specification", enabled: true },
  { name: "topic", description: "AMQP topic exchange, as per the AMQP specification", enabled: true },
];

function overviewStats(api: Api): Record<string, number | { rate: number }> {
  const c = api.broker.counters;
  const values: Record<string, number> = {
    ack: c.acknowledged,
    confirm: c.confirmed,
    deliver: c.delivered - c.deliveredNoAck - c.got,
    deliver_get: c.delivered,
    deliver_no_ack: c.deliveredNoAck - c.gotNoAck,
    disk_reads: 0,
    disk_writes: 0,
    drop_unroutable: c.unroutableDropped,
    get: c.got,
    get_empty: c.getEmpty,
    get_no_ack: c.gotNoAck,
    publish: c.published,
    redeliver: c.redelivered,
    return_unroutable: c.unroutableReturned,
  };
  // each rate is of the counter of the same name, sampled by stats-walk.ts (disk_*: none, 0)
  return messageStats(api, api.broker, values);
}

function churn(api: Api): Record<string, number | { rate: number }> {
  const c = api.broker.counters;
  const values: Record<string, number> = {
    channel_closed: c.channelsClosed,
    channel_created: c.channelsOpened,
    connection_closed: c.connectionsClosed,
    connection_created: c.connectionsOpened,
    queue_created: 0,
    queue_declared: 0,
    queue_deleted: 0,
  };
  return messageStats(api, api.broker, values, (k) => k);
}

function overview(req: ApiRequest) {
  const { api, principal } = req;
  const vhosts = api.vhostsFor(principal);
  let queues = 0;
  let exchanges = 0;
  let consumers = 0;
  let ready = 0;
  let unacked = 0;
  for (const v of vhosts) {
    exchanges += v.exchanges.size;
    for (const q of v.queues.values()) {
      queues++;
      consumers += q.consumerCount;
      ready += q.messageCount;
      unacked += q.unacked;
    }
  }
  const conns = [...api.broker.connections].filter((c) => principal.seesUser(c.user));
  const channels = conns.reduce((n, c) => n + c.channelCount, 0);
  const b = api.broker;
  return ok({
    management_version: RABBITMQ_VERSION,
    rates_mode: "basic",
    sample_retention_policies: { global: [600, 3600, 28800, 86400], basic: [600, 3600], detailed: [600] },
    exchange_types: EXCHANGE_TYPES,
    product_version: api.version,
    product_name: "amqp-go",
    rabbitmq_version: RABBITMQ_VERSION,
    cluster_name: api.node,
    erlang_version: process.versions.node,
    erlang_full_version: `Node.js ${process.version}`,
    release_series_support_status: "supported",
    disable_stats: false,
    enable_queue_totals: false,
    message_stats: overviewStats(api),
    churn_rates: churn(api),
    queue_totals: {
      messages: ready + unacked,
      messages_details: details(api, b, "messages"),
      messages_ready: ready,
      messages_ready_details: details(api, b, "messages_ready"),
      messages_unacknowledged: unacked,
      messages_unacknowledged_details: details(api, b, "messages_unacknowledged"),
    },
    object_totals: { channels, connections: conns.length, consumers, exchanges, queues },
    statistics_db_event_queue: 0,
    node: api.node,
    listeners: api.listeners.map((l) => ({
      node: api.node,
      protocol: l.protocol,
      ip_address: l.ip ?? "::",
      port: l.port,
      socket_opts: { backlog: 128, nodelay: true, linger: [true, 0], exit_on_close: false },
    })),
    contexts: [{ ssl_opts: [], node: api.node, description: "RabbitMQ Management", path: "/", cowboy_opts: "[]", ip: "0.0.0.0", port: String(api.port) }],
  });
}

function node(api: Api) {
  const b: Broker = api.broker;
  const mem = process.memoryUsage();
  const disk = b.disk;
  const d = (key: string) => details(api, b, key);
  return {
    partitions: [],
    os_pid: String(process.pid),
    fd_total: 1048576,
    sockets_total: 943626,
    mem_limit: Math.round(b.memory.highWatermark),
    mem_alarm: b.memory.alarmed,
    disk_free_limit: b.options.diskFreeLimit,
    disk_free_alarm: disk?.alarmed ?? false,
    proc_total: 1048576,
    rates_mode: "basic",
    uptime: Date.now() - api.startedAt,
    run_queue: 0,
    processors: availableParallelism(),
    exchange_types: EXCHANGE_TYPES,
    auth_mechanisms: api.users.authenticator.mechanisms.map((name) => ({ name, description: `${name} authentication`, enabled: true })),
    applications: [{ name: "amqp-go", description: "amqp-go broker", version: api.version }],
    contexts: [{ description: "RabbitMQ Management", path: "/", cowboy_opts: "[]", ip: "0.0.0.0", port: String(api.port) }],
    log_files: [],
    db_dir: api.dataDir,
    config_files: [],
    net_ticktime: 60,
    enabled_plugins: ["rabbitmq_management"],
    mem_calculation_strategy: "rss",
    ra_open_file_metrics: { ra_log_wal: 0, ra_log_segment_writer: 0 },
    name: api.node,
    type: "disc",
    running: true,
    mem_used: mem.rss,
    mem_used_details: d("mem_used"),
    fd_used: 0,
    fd_used_details: d("fd_used"),
    sockets_used: b.connections.size,
    sockets_used_details: d("sockets_used"),
    proc_used: 0,
    proc_used_details: d("proc_used"),
    disk_free: disk !== null && disk.free >= 0 ? disk.free : 0,
    disk_free_details: d("disk_free"),
    connection_created: b.counters.connectionsOpened,
    connection_created_details: d("connection_created"),
    connection_closed: b.counters.connectionsClosed,
    connection_closed_details: d("connection_closed"),
    channel_created: b.counters.channelsOpened,
    channel_created_details: d("channel_created"),
    channel_closed: b.counters.channelsClosed,
    channel_closed_details: d("channel_closed"),
    cluster_links: [],
  };
}

const healthy = { status: "ok" };

export const overviewRoutes: Route[] = [
  { method: "GET", path: "overview", access: "management", handle: overview },
  { method: "GET", path: "whoami", access: "management", handle: ({ principal }) => ok({ name: principal.name, tags: principal.tags }) },
  { method: "GET", path: "nodes", access: "monitoring", handle: ({ api }) => ok([node(api)]) },
  {
    method: "GET",
    path: "nodes/:node",
    access: "monitoring",
    handle: ({ api, params }) => {
      if (params.node !== api.node) throw notFound();
      return ok(node(api));
    },
  },
  { method: "GET", path: "cluster-name", access: "management", handle: ({ api }) => ok({ name: api.node }) },
  {
    method: "GET",
    path: "aliveness-test/:vhost",
    access: "management",
    handle: ({ api, principal, params }) => {
      api.vhost(params.vhost!);
      principal.requireVhost(params.vhost!, true);
      return ok(healthy);
    },
  },
  { method: "GET", path: "healthchecks/node", access: "management", handle: () => ok(healthy) },
  {
    method: "GET",
    path: "health/checks/alarms",
    access: "management",
    handle: ({ api }) => alarms(api),
  },
  { method: "GET", path: "health/checks/local-alarms", access: "management", handle: ({ api }) => alarms(api) },
  { method: "GET", path: "health/checks/virtual-hosts", access: "management", handle: () => ok(healthy) },
  { method: "GET", path: "health/checks/node-is-quorum-critical", access: "management", handle: () => ok(healthy) },
  { method: "GET", path: "health/checks/node-is-mirror-sync-critical", access: "management", handle: () => ok(healthy) },
  { method: "GET", path: "health/checks/certificate-expiration/:within/:unit", access: "management", handle: () => ok(healthy) },
  {
    method: "GET",
    path: "health/checks/port-listener/:port",
    access: "management",
    handle: ({ api, params }) => {
      const port = Number(params.port);
      const listening = port === api.port || api.listeners.some((l) => l.port === port);
      if (listening) return ok({ status: "ok", port });
      return { status: 503, body: { status: "failed", reason: `No active listener on port ${port}`, missing: port, ports: api.listeners.map((l) => l.port) } };
    },
  },
  {
    method: "GET",
    path: "health/checks/protocol-listener/:protocol",
    access: "management",
    handle: ({ api, params }) => {
      const listening = api.listeners.some((l) => l.protocol === params.protocol);
      if (listening) return ok({ status: "ok", protocol: params.protocol });
      return { status: 503, body: { status: "failed", reason: `No active listener for protocol ${params.protocol}`, missing: params.protocol, protocols: api.listeners.map((l) => l.protocol) } };
    },
  },
];

function alarms(api: Api) {
  const b = api.broker;
  const set: { node: string; resource: string }[] = [];
  if (b.memory.alarmed) set.push({ node: api.node, resource: "memory" });
  if (b.disk?.alarmed === true) set.push({ node: api.node, resource: "disk" });
  if (set.length === 0) return ok(healthy);
  return { status: 503, body: { status: "failed", reason: "resource alarm(s) in effect in the cluster", alarms: set } };
}

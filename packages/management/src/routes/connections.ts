/** /api/connections, /api/channels, /api/consumers: live objects, as RabbitMQ names and shows them. */
import type { Channel, Connection, Consumer } from "@amqp-go/broker";
import { type Api, idleSince } from "../api.js";
import { tableToJson } from "../field-json.js";
import { notFound } from "../http-error.js";
import type { Principal } from "../principal.js";
import { type ApiRequest, list, noContent, ok, type Route } from "../route.js";
import { channelStats, details } from "./stats-view.js";

/** "peer:port -> local:port", RabbitMQ's connection name. */
export function connectionName(c: Connection): string {
  const s = c.socket;
  return `${s.remoteAddress}:${s.remotePort} -> ${s.localAddress}:${s.localPort}`;
}

const channelName = (c: Connection, ch: Channel) => `${connectionName(c)} (${ch.number})`;

const gc = { fullsweep_after: 65535, max_heap_size: 0, min_bin_vheap_size: 46422, min_heap_size: 233, minor_gcs: 0 };

function stateOf(c: Connection): string {
  const s = c.reading.state;
  return s === "flow" ? "flow" : s === "blocked" ? "blocked" : "running";
}

function connectionView(api: Api, c: Connection) {
  const s = c.socket;
  const tls = "encrypted" in s && (s as { encrypted?: boolean }).encrypted === true;
  const name = connectionName(c);
  const props = c.clientProperties.connection_name;
  return {
    auth_mechanism: c.authMechanism,
    channel_max: c.channelMax,
    channels: c.channelCount,
    client_properties: tableToJson(c.clientProperties),
    connected_at: c.connectedAt,
    frame_max: c.frameMax,
    garbage_collection: gc,
    host: s.localAddress ?? "",
    name,
    node: api.node,
    peer_cert_issuer: "",
    peer_cert_subject: "",
    peer_cert_validity: "",
    peer_host: s.remoteAddress ?? "",
    peer_port: s.remotePort ?? 0,
    port: s.localPort ?? 0,
    protocol: "AMQP 0-9-1",
    recv_cnt: 0,
    recv_oct: s.bytesRead,
    recv_oct_details: details(api, c, "recv_oct"),
    reductions: 0,
    reductions_details: { rate: 0 },
    send_cnt: 0,
    send_oct: s.bytesWritten,
    send_oct_details: details(api, c, "send_oct"),
    send_pend: s.writableLength,
    ssl: tls,
    ssl_cipher: "",
    ssl_hash: "",
    ssl_key_exchange: "",
    ssl_protocol: "",
    state: stateOf(c),
    timeout: c.heartbeat,
    type: "network",
    user: c.user,
    ...(typeof props === "string" ? { user_provided_name: props } : {}),
    user_who_performed_action: c.user,
    vhost: c.vhost?.name ?? "/",
  };
}

function channelView(api: Api, c: Connection, ch: Channel) {
  const d = ch.deliveryState;
  return {
    acks_uncommitted: 0,
    confirm: ch.confirmMode,
    connection_details: { name: connectionName(c), peer_host: c.socket.remoteAddress ?? "", peer_port: c.socket.remotePort ?? 0 },
    consumer_count: d.consumerCount,
    garbage_collection: gc,
    global_prefetch_count: d.globalPrefetch,
    idle_since: idleSince(c.connectedAt),
    message_stats: channelStats(api, ch, ch.stats),
    messages_unacknowledged: d.unacknowledged,
    messages_uncommitted: 0,
    messages_unconfirmed: 0,
    name: channelName(c, ch),
    node: api.node,
    number: ch.number,
    pending_raft_commands: 0,
    prefetch_count: d.prefetch,
    reductions: 0,
    reductions_details: { rate: 0 },
    state: ch.closing ? "closing" : stateOf(c),
    transactional: ch.tx !== null,
    user: c.user,
    user_who_performed_action: c.user,
    vhost: ch.vhost.name,
  };
}

function consumerView(api: Api, c: Connection, ch: Channel, k: Consumer) {
  return {
    arguments: {},
    ack_required: !k.noAck,
    active: true,
    activity_status: "up",
    channel_details: {
      connection_name: connectionName(c),
      name: channelName(c, ch),
      node: api.node,
      number: ch.number,
      peer_host: c.socket.remoteAddress ?? "",
      peer_port: c.socket.remotePort ?? 0,
      user: c.user,
    },
    consumer_tag: k.tag,
    exclusive: k.exclusive,
    prefetch_count: k.prefetch,
    queue: { name: k.queue.name, vhost: k.queue.vhost },
  };
}

/** Open connections `p` sees, in `vhost` if given. */
function connectionsFor(api: Api, p: Principal, vhost?: string): Connection[] {
  if (vhost !== undefined) api.vhostsFor(p, vhost);
  return [...api.broker.connections].filter((c) => p.seesUser(c.user) && (vhost === undefined || c.vhost?.name === vhost));
}

function findConnection(req: ApiRequest): Connection {
  const c = [...req.api.broker.connections].find((x) => connectionName(x) === req.params.name);
  if (c === undefined || !req.principal.seesUser(c.user)) throw notFound();
  return c;
}

const channelsOf = (api: Api, conns: Connection[]) => conns.flatMap((c) => c.openChannelList().map((ch) => channelView(api, c, ch)));

function consumersOf(api: Api, p: Principal, vhost?: string) {
  if (vhost !== undefined) api.vhostsFor(p, vhost);
  const out = [];
  for (const c of api.broker.connections) {
    if (c.vhost === null || !p.sees(c.vhost.name) || (vhost !== undefined && c.vhost.name !== vhost)) continue;
    for (const ch of c.openChannelList()) for (const k of ch.deliveryState.consumerList) out.push(consumerView(api, c, ch, k));
  }
  return out;
}

export const connectionRoutes: Route[] = [
  { method: "GET", path: "connections", access: "management", handle: (req) => list(connectionsFor(req.api, req.principal).map((c) => connectionView(req.api, c)), req) },
  { method: "GET", path: "connections/:name", access: "management", handle: (req) => ok(connectionView(req.api, findConnection(req))) },
  {
    method: "DELETE",
    path: "connections/:name",
    access: "management",
    handle: (req) => {
      const c = findConnection(req);
      const reason = req.headers["x-reason"];
      c.forceClose("management", typeof reason === "string" && reason !== "" ? reason : "Closed via management plugin");
      return noContent();
    },
  },
  { method: "GET", path: "connections/:name/channels", access: "management", handle: (req) => list(channelsOf(req.api, [findConnection(req)]), req) },
  {
    method: "GET",
    path: "vhosts/:vhost/connections",
    access: "management",
    handle: (req) => list(connectionsFor(req.api, req.principal, req.params.vhost).map((c) => connectionView(req.api, c)), req),
  },
  { method: "GET", path: "channels", access: "management", handle: (req) => list(channelsOf(req.api, connectionsFor(req.api, req.principal)), req) },
  {
    method: "GET",
    path: "vhosts/:vhost/channels",
    access: "management",
    handle: (req) => list(channelsOf(req.api, connectionsFor(req.api, req.principal, req.params.vhost)), req),
  },
  {
    method: "GET",
    path: "channels/:name",
    access: "management",
    handle: (req) => {
      const found = channelsOf(req.api, connectionsFor(req.api, req.principal)).find((ch) => ch.name === req.params.name);
      if (found === undefined) throw notFound();
      return ok(found);
    },
  },
  { method: "GET", path: "consumers", access: "management", handle: (req) => list(consumersOf(req.api, req.principal), req) },
  { method: "GET", path: "consumers/:vhost", access: "management", handle: (req) => list(consumersOf(req.api, req.principal, req.params.vhost), req) },
];

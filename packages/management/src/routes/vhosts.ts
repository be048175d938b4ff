/** /api/vhosts: the vhosts of the users file (created and deleted through it, administrators only). */
import { addVhost, deleteVhost } from "@amqp-go/auth";
import { QueueStats, type Vhost } from "@amqp-go/broker";
import type { Api } from "../api.js";
import { notFound } from "../http-error.js";
import { type ApiRequest, created, list, noContent, ok, type Route } from "../route.js";
import { editUsers } from "./users.js";
import { addStats, consumingStats, details, messageStats } from "./stats-view.js";

function vhostView(api: Api, v: Vhost) {
  let ready = 0;
  let unacked = 0;
  const totals = new QueueStats();
  for (const q of v.queues.values()) {
    ready += q.messageCount;
    unacked += q.unacked;
    addStats(totals, q.stats);
  }
  let recv = 0;
  let send = 0;
  for (const c of api.broker.connections) {
    if (c.vhost !== v) continue;
    recv += c.socket.bytesRead;
    send += c.socket.bytesWritten;
  }
  return {
    cluster_state: { [api.node]: "running" },
    default_queue_type: "undefined",
    description: v.name === "/" ? "Default virtual host" : "",
    messages: ready + unacked,
    messages_details: details(api, v, "messages"),
    messages_ready: ready,
    messages_ready_details: details(api, v, "messages_ready"),
    messages_unacknowledged: unacked,
    messages_unacknowledged_details: details(api, v, "messages_unacknowledged"),
    // confirms and unroutable publishes are counted per channel and broker, not per vhost: 0
    message_stats: { ...consumingStats(api, v, totals), ...messageStats(api, v, { confirm: 0, drop_unroutable: 0, return_unroutable: 0 }, () => undefined) },
    metadata: { description: v.name === "/" ? "Default virtual host" : "", tags: [] },
    name: v.name,
    recv_oct: recv,
    recv_oct_details: { rate: 0 },
    send_oct: send,
    send_oct_details: { rate: 0 },
    tags: [],
    tracing: false,
  };
}

function one(req: ApiRequest) {
  const [v] = req.api.vhostsFor(req.principal, req.params.vhost);
  return vhostView(req.api, v!);
}

export const vhostRoutes: Route[] = [
  { method: "GET", path: "vhosts", access: "management", handle: (req) => list(req.api.vhostsFor(req.principal).map((v) => vhostView(req.api, v)), req) },
  { method: "GET", path: "vhosts/:vhost", access: "management", handle: (req) => ok(one(req)) },
  {
    method: "PUT",
    path: "vhosts/:vhost",
    access: "administrator",
    handle: (req) => {
      const name = req.params.vhost!;
      if (req.api.broker.vhosts.has(name) && req.api.users.authenticator.db.vhosts.includes(name)) return noContent();
      editUsers(req, (f) => (f.vhosts.some((v) => v.name === name) ? f : addVhost(f, name)));
      return created();
    },
  },
  {
    method: "DELETE",
    path: "vhosts/:vhost",
    access: "administrator",
    handle: (req) => {
      const name = req.params.vhost!;
      if (!req.api.users.authenticator.db.vhosts.includes(name)) throw notFound();
      editUsers(req, (f) => deleteVhost(f, name));
      return noContent();
    },
  },
];

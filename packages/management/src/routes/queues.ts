/** /api/queues: list, show, declare (PUT), delete, purge (DELETE .../contents), and their bindings. */
import type { Queue, Vhost } from "@amqp-go/broker";
import type { Api } from "../api.js";
import { amqpCall, bool, permit } from "../amqp-call.js";
import { jsonToTable, tableToJson } from "../field-json.js";
import { notFound } from "../http-error.js";
import { JsonList } from "../json-list.js";
import { isWholeList } from "../paging.js";
import { type ApiRequest, type ApiResponse, created, list, noContent, ok, okJson, type Route } from "../route.js";
import { bindingsOf } from "./bindings.js";
import { consumingStats, details } from "./stats-view.js";

/** The owner of queues the API declares (never exclusive: that needs a connection). */
const API_OWNER = {};

const gc = { fullsweep_after: 65535, max_heap_size: 0, min_bin_vheap_size: 46422, min_heap_size: 233, minor_gcs: 0 };

export function queueView(api: Api, q: Queue) {
  const ready = q.messageCount;
  const unacked = q.unacked;
  const bytes = q.bytes;
  const readyBytes = q.readyBytes;
  const first = q.consumers[0];
  return {
    arguments: tableToJson(q.options.arguments),
    auto_delete: q.options.autoDelete,
    backing_queue_status: {
      avg_ack_egress_rate: 0,
      avg_ack_ingress_rate: 0,
      avg_egress_rate: 0,
      avg_ingress_rate: 0,
      delta: ["delta", "undefined", 0, 0, "undefined"],
      len: ready,
      mode: "default",
      next_deliver_seq_id: 0,
      next_seq_id: 0,
      q1: 0,
      q2: 0,
      q3: 0,
      q4: ready,
      target_ram_count: "infinity",
      version: 1,
    },
    consumer_capacity: q.consumerCount > 0 ? 1 : 0,
    consumer_utilisation: q.consumerCount > 0 ? 1 : 0,
    consumers: q.consumerCount,
    durable: q.options.durable,
    effective_policy_definition: q.policyDefinition ?? {},
    exclusive: q.options.exclusive,
    exclusive_consumer_tag: q.exclusiveConsumer ? first!.tag : null,
    garbage_collection: gc,
    head_message_timestamp: null,
    idle_since: api.startedAtText,
    memory: bytes,
    message_bytes: bytes,
    message_bytes_paged_out: 0,
    message_bytes_persistent: q.store !== null ? bytes : 0,
    message_bytes_ram: bytes,
    message_bytes_ready: readyBytes,
    message_bytes_unacknowledged: bytes - readyBytes,
    message_stats: consumingStats(api, q, q.stats),
    messages: ready + unacked,
    messages_details: details(api, q, "messages"),
    messages_paged_out: 0,
    messages_persistent: q.store !== null ? ready + unacked : 0,
    messages_ram: ready + unacked,
    messages_ready: ready,
    messages_ready_details: details(api, q, "messages_ready"),
    messages_ready_ram: ready,
    messages_unacknowledged: unacked,
    messages_unacknowledged_details: details(api, q, "messages_unacknowledged"),
    messages_unacknowledged_ram: unacked,
    name: q.name,
    node: api.node,
    operator_policy: q.operatorPolicy?.name ?? null,
    policy: q.policy?.name ?? null,
    recoverable_slaves: null,
    reductions: 0,
    reductions_details: { rate: 0 },
    single_active_consumer_tag: q.singleActive && first !== undefined ? first.tag : null,
    state: "running",
    type: "classic",
    vhost: q.vhost,
  };
}

function find(req: ApiRequest): { v: Vhost; q: Queue } {
  const v = req.api.vhost(req.params.vhost!);
  req.principal.requireVhost(v.name);
  const q = v.queues.get(req.params.name!);
  if (q === undefined) throw notFound();
  return { v, q };
}

const queuesOf = (req: ApiRequest, vhost?: string): Queue[] => req.api.vhostsFor(req.principal, vhost).flatMap((v) => [...v.queues.values()]);

/** Each management server's listing of queues, serialised queue by queue (json-list.ts). */
const listings = new WeakMap<Api, JsonList<Queue>>();

/** The queues, as the query asks: straight from the per-queue JSON when it asks for all of them. */
async function listQueues(req: ApiRequest, vhost?: string): Promise<ApiResponse> {
  const queues = queuesOf(req, vhost);
  if (!isWholeList(req.query)) return list(queues.map((q) => queueView(req.api, q)), req);
  let listing = listings.get(req.api);
  if (listing === undefined) {
    const api = req.api;
    listing = new JsonList<Queue>((q) => queueView(api, q));
    listings.set(api, listing);
  }
  return okJson(await listing.bytes(queues));
}

export const queueRoutes: Route[] = [
  { method: "GET", path: "queues", access: "management", handle: (req) => listQueues(req) },
  { method: "GET", path: "queues/:vhost", access: "management", handle: (req) => listQueues(req, req.params.vhost) },
  {
    method: "GET",
    path: "queues/:vhost/:name",
    access: "management",
    handle: (req) => {
      const { q } = find(req);
      const consumers = q.consumers.map((k) => ({
        arguments: {},
        ack_required: !k.noAck,
        active: true,
        activity_status: "up",
        consumer_tag: k.tag,
        exclusive: k.exclusive,
        prefetch_count: k.prefetch,
        queue: { name: q.name, vhost: q.vhost },
      }));
      return ok({ consumer_details: consumers, ...queueView(req.api, q), deliveries: [], incoming: [] });
    },
  },
  {
    method: "PUT",
    path: "queues/:vhost/:name",
    access: "management",
    handle: (req) => {
      const v = req.api.vhost(req.params.vhost!);
      req.principal.requireVhost(v.name, true);
      const name = req.params.name!;
      const b = req.body;
      const durable = bool(b, "durable", true);
      const autoDelete = bool(b, "auto_delete", false);
      permit(req, v.name, "configure", "queue", name);
      const existed = v.queues.has(name);
      amqpCall(() =>
        v.declareQueue({ name, passive: false, durable, exclusive: false, autoDelete, arguments: jsonToTable(b.arguments ?? {}) }, API_OWNER),
      );
      return existed ? noContent() : created();
    },
  },
  {
    method: "DELETE",
    path: "queues/:vhost/:name",
    access: "management",
    handle: (req) => {
      const { v, q } = find(req);
      req.principal.requireVhost(v.name, true);
      permit(req, v.name, "configure", "queue", q.name);
      amqpCall(() => v.checkDeletable(q, req.query.get("if-unused") === "true", req.query.get("if-empty") === "true"));
      v.removeQueue(q);
      return noContent();
    },
  },
  {
    method: "DELETE",
    path: "queues/:vhost/:name/contents",
    access: "management",
    handle: (req) => {
      const { v, q } = find(req);
      req.principal.requireVhost(v.name, true);
      permit(req, v.name, "read", "queue", q.name);
      q.purge();
      return noContent();
    },
  },
  {
    method: "GET",
    path: "queues/:vhost/:name/bindings",
    access: "management",
    handle: (req) => {
      const { v, q } = find(req);
      return list(
        bindingsOf(v).filter((b) => b.destination_type === "queue" && b.destination === q.name),
        req,
      );
    },
  },
  {
    method: "POST",
    path: "queues/:vhost/:name/actions",
    access: "management",
    handle: (req) => {
      find(req);
      return noContent();
    },
  },
];

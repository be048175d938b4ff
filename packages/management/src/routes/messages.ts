/**
 * POST /api/exchanges/:vhost/:name/publish and POST /api/queues/:vhost/:name/get: messages over
 * HTTP, as RabbitMQ's management plugin sends and fetches them (for tests and debugging, not for
 * throughput). A publish routes as basic.publish does (one counted publish); a get takes up to
 * `count` messages, then acks or requeues them as `ackmode` says.
 */
import { type BasicProperties, encodeBasicProperties } from "@amqp-go/protocol";
import { Message, type Queue } from "@amqp-go/broker";
import { amqpCall, exchangeName, permit } from "../amqp-call.js";
import { fieldToJson, jsonToTable } from "../field-json.js";
import { badRequest, notFound } from "../http-error.js";
import { type ApiRequest, ok, type Route } from "../route.js";

const STRING_PROPS: readonly [string, keyof BasicProperties][] = [
  ["content_type", "contentType"],
  ["content_encoding", "contentEncoding"],
  ["correlation_id", "correlationId"],
  ["reply_to", "replyTo"],
  ["expiration", "expiration"],
  ["message_id", "messageId"],
  ["type", "type"],
  ["user_id", "userId"],
  ["app_id", "appId"],
  ["cluster_id", "reserved"],
];

function propertiesOf(json: unknown): BasicProperties {
  if (json === undefined || json === null) return {};
  if (typeof json !== "object" || Array.isArray(json)) throw badRequest("properties must be an object");
  const j = json as Record<string, unknown>;
  const p: Record<string, unknown> = {};
  for (const [key, field] of STRING_PROPS) if (j[key] !== undefined) p[field] = String(j[key]);
  for (const [key, field] of [["delivery_mode", "deliveryMode"], ["priority", "priority"], ["timestamp", "timestamp"]] as const) {
    if (j[key] === undefined) continue;
    const n = Number(j[key]);
    if (!Number.isInteger(n) || n < 0) throw badRequest(`${key} must be a non-negative integer`);
    p[field] = n;
  }
  if (j.headers !== undefined) p.headers = jsonToTable(j.headers);
  return p as BasicProperties;
}

function propertiesJson(p: BasicProperties): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of STRING_PROPS) if (p[field] !== undefined) out[key] = p[field];
  if (p.deliveryMode !== undefined) out.delivery_mode = p.deliveryMode;
  if (p.priority !== undefined) out.priority = p.priority;
  if (p.timestamp !== undefined) out.timestamp = p.timestamp;
  if (p.headers !== undefined) out.headers = fieldToJson(p.headers);
  return out;
}

function publish(req: ApiRequest) {
  const { api, body } = req;
  const v = api.vhost(req.params.vhost!);
  req.principal.requireVhost(v.name, true);
  const name = exchangeName(req.params.name!);
  const exchange = v.exchanges.get(name);
  if (exchange === undefined) throw notFound();
  for (const key of ["routing_key", "payload", "payload_encoding"]) if (body[key] === undefined) throw badRequest(`[{key_missing,${key}}]`);
  const encoding = body.payload_encoding;
  if (encoding !== "string" && encoding !== "base64") throw badRequest(`unsupported payload_encoding: ${String(encoding)}`);
  permit(req, v.name, "write", "exchange", name);
  const payload = String(body.payload);
  const content = encoding === "base64" ? Buffer.from(payload, "base64") : Buffer.from(payload, "utf8");
  const raw = Buffer.allocUnsafe(64 * 1024);
  const rawProperties = Buffer.from(raw.subarray(0, encodeBasicProperties(raw, 0, propertiesOf(body.properties))));
  const message = new Message(name, String(body.routing_key), rawProperties, content);
  const queues = [...amqpCall(() => v.route(exchange, message))];
  const n = queues.length;
  const counters = api.broker.counters;
  counters.published++;
  counters.routed += n;
  exchange.stats.publishIn++;
  exchange.stats.publishOut += n;
  if (n === 0) {
    counters.unroutableDropped++;
    return ok({ routed: false });
  }
  v.publish(message, queues); // TTL stamp, length limits, then the store or the queues, as a dead-letter copy goes
  return ok({ routed: true });
}

const ACKMODES = new Set(["ack_requeue_true", "ack_requeue_false", "reject_requeue_true", "reject_requeue_false"]);

/** The next ready message, waiting for a read from disk when it is there. */
async function next(q: Queue): Promise<ReturnType<Queue["fetch"]>> {
  for (;;) {
    const entry = q.fetch(false);
    if (entry !== undefined || q.messageCount === 0 || q.deleted) return entry;
    await new Promise<void>((resolve) => q.afterRead(resolve));
  }
}

function payloadOf(body: Buffer, encoding: string, truncate: number | undefined): { payload: string; payload_encoding: string } {
  const b = truncate !== undefined && body.length > truncate ? body.subarray(0, truncate) : body;
  if (encoding === "auto") {
    const text = b.toString("utf8");
    // printable UTF-8 is shown as a string, anything else in base64
    if (Buffer.from(text, "utf8").equals(b) && !/[\u0000-\u0008\u000e-\u001f]/.test(text)) return { payload: text, payload_encoding: "string" };
  }
  return { payload: b.toString("base64"), payload_encoding: "base64" };
}

async function get(req: ApiRequest) {
  const { api, body } = req;
  const v = api.vhost(req.params.vhost!);
  req.principal.requireVhost(v.name, true);
  const q = v.queues.get(req.params.name!);
  if (q === undefined) throw notFound();
  const ackmode = body.ackmode ?? (body.requeue === true ? "ack_requeue_true" : body.requeue === false ? "ack_requeue_false" : undefined);
  if (typeof ackmode !== "string" || !ACKMODES.has(ackmode)) throw badRequest(`invalid ackmode: ${String(ackmode)}`);
  const encoding = body.encoding ?? "auto";
  if (encoding !== "auto" && encoding !== "base64") throw badRequest(`invalid encoding: ${String(encoding)}`);
  const count = Number(body.count ?? 1);
  if (!Number.isInteger(count) || count < 0) throw badRequest("count must be a non-negative integer");
  const truncate = body.truncate === undefined || body.truncate === "" ? undefined : Number(body.truncate);
  permit(req, v.name, "read", "queue", q.name);
  const requeue = ackmode.endsWith("_true");
  const entries = [];
  const out = [];
  for (let i = 0; i < count; i++) {
    const entry = await next(q);
    if (entry === undefined) break;
    entries.push(entry);
    const m = entry.message;
    q.stats.get++;
    if (entry.redelivered) q.stats.redeliver++;
    api.broker.counters.delivered++;
    api.broker.counters.got++;
    out.push({
      payload_bytes: m.body.length,
      redelivered: entry.redelivered,
      exchange: m.exchange,
      routing_key: m.routingKey,
      message_count: q.messageCount,
      properties: propertiesJson(m.properties),
      ...payloadOf(m.body, encoding, truncate),
    });
  }
  for (const entry of entries) {
    if (requeue) q.requeue(entry, null);
    else {
      if (ackmode.startsWith("ack")) q.stats.ack++;
      q.settle(entry, null);
    }
  }
  if (entries.length > 0) q.drain();
  return ok(out);
}

export const messageRoutes: Route[] = [
  { method: "POST", path: "exchanges/:vhost/:name/publish", access: "management", handle: publish },
  { method: "POST", path: "queues/:vhost/:name/get", access: "management", handle: get },
];

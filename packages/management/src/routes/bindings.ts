/**
 * /api/bindings and the bindings of one exchange or queue. Every queue is bound to the default
 * exchange by its name, and RabbitMQ lists those bindings too. A binding is named in URLs by its
 * `properties_key`: the routing key URL-encoded, and `~` and a hash of the arguments when it has
 * some. Creating one answers 201 with its `Location` (the Terraform provider reads it).
 */
import { createHash } from "node:crypto";
import type { Destination, Exchange, Vhost } from "@amqp-go/broker";
import type { Api } from "../api.js";
import { amqpCall, exchangeName, permit } from "../amqp-call.js";
import { jsonToTable, tableToJson } from "../field-json.js";
import { badRequest, notFound } from "../http-error.js";
import { type ApiRequest, created, list, noContent, ok, type Route } from "../route.js";

export interface BindingView {
  source: string;
  vhost: string;
  destination: string;
  destination_type: "queue" | "exchange";
  routing_key: string;
  arguments: Record<string, unknown>;
  properties_key: string;
  [key: string]: unknown;
}

/** rabbit_http_util:quote_plus: URL-encoding with `+` for a space. */
function quotePlus(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

export function propertiesKey(routingKey: string, args: Record<string, unknown>): string {
  const keys = Object.keys(args);
  if (keys.length === 0) return routingKey === "" ? "~" : quotePlus(routingKey);
  const canonical = JSON.stringify(keys.sort().map((k) => [k, args[k]]));
  const hash = createHash("sha256").update(canonical).digest("base64url").slice(0, 22);
  return `${quotePlus(routingKey)}~${hash}`;
}

function view(vhost: string, source: string, d: Destination, routingKey: string, args: Record<string, unknown>): BindingView {
  return { source, vhost, destination: d.name, destination_type: d.kind, routing_key: routingKey, arguments: args, properties_key: propertiesKey(routingKey, args) };
}

/** Every binding of a vhost, the default exchange's first. */
export function bindingsOf(v: Vhost): BindingView[] {
  const out: BindingView[] = [];
  for (const q of v.queues.values()) out.push(view(v.name, "", q, q.name, {}));
  for (const e of v.exchanges.values()) {
    if (e.name === "") continue;
    for (const b of e.bindings()) out.push(view(v.name, e.name, b.destination, b.routingKey, tableToJson(b.arguments)));
  }
  return out;
}

const destKind = (t: string): "queue" | "exchange" => {
  if (t === "q") return "queue";
  if (t === "e") return "exchange";
  throw notFound();
};

/** The source exchange and the destination named by `/bindings/:vhost/e/:source/:dtype/:destination`. */
function endpoints(req: ApiRequest): { v: Vhost; source: Exchange; destination: Destination } {
  const v = req.api.vhost(req.params.vhost!);
  req.principal.requireVhost(v.name, true);
  const source = v.exchanges.get(exchangeName(req.params.source!));
  const kind = destKind(req.params.dtype!);
  const destination = kind === "queue" ? v.queues.get(req.params.destination!) : v.exchanges.get(exchangeName(req.params.destination!));
  if (source === undefined || destination === undefined) throw notFound();
  return { v, source, destination };
}

/** Whether the URL's `props` segment (decoded once) names the binding: its properties_key, as is or unquoted. */
function named(b: BindingView, props: string): boolean {
  if (b.properties_key === props) return true;
  try {
    return decodeURIComponent(b.properties_key.replace(/\+/g, " ")) === props;
  } catch {
    return false;
  }
}

function between(req: ApiRequest): BindingView[] {
  const { v, source, destination } = endpoints(req);
  return bindingsOf(v).filter((b) => b.source === source.name && b.destination === destination.name && b.destination_type === destination.kind);
}

export const bindingRoutes: Route[] = [
  { method: "GET", path: "bindings", access: "management", handle: (req) => list(req.api.vhostsFor(req.principal).flatMap(bindingsOf), req) },
  { method: "GET", path: "bindings/:vhost", access: "management", handle: (req) => list(req.api.vhostsFor(req.principal, req.params.vhost).flatMap(bindingsOf), req) },
  { method: "GET", path: "bindings/:vhost/e/:source/:dtype/:destination", access: "management", handle: (req) => list(between(req), req) },
  {
    method: "POST",
    path: "bindings/:vhost/e/:source/:dtype/:destination",
    access: "management",
    handle: (req) => {
      const { v, source, destination } = endpoints(req);
      const routingKey = req.body.routing_key ?? "";
      if (typeof routingKey !== "string") throw badRequest("routing_key must be a string");
      const args = jsonToTable(req.body.arguments ?? {});
      permit(req, v.name, "write", destination.kind, destination.name);
      permit(req, v.name, "read", "exchange", source.name);
      amqpCall(() => v.bind(source.name, destination, routingKey, args));
      const key = propertiesKey(routingKey, tableToJson(args));
      const location = `${encodeURIComponent(destination.name)}/${encodeURIComponent(key)}`;
      return created({ location });
    },
  },
  {
    method: "GET",
    path: "bindings/:vhost/e/:source/:dtype/:destination/:props",
    access: "management",
    handle: (req) => {
      const b = between(req).find((x) => named(x, req.params.props!));
      if (b === undefined) throw notFound();
      return ok(b);
    },
  },
  {
    method: "DELETE",
    path: "bindings/:vhost/e/:source/:dtype/:destination/:props",
    access: "management",
    handle: (req) => {
      const { v, source, destination } = endpoints(req);
      const b = between(req).find((x) => named(x, req.params.props!));
      if (b === undefined || b.source === "") throw notFound();
      permit(req, v.name, "write", destination.kind, destination.name);
      permit(req, v.name, "read", "exchange", source.name);
      amqpCall(() => v.unbind(source.name, destination, b.routing_key, jsonToTable(b.arguments)));
      return noContent();
    },
  },
];

/** Bindings where the exchange is the source, or the destination. */
export function exchangeBindings(api: Api, req: ApiRequest, side: "source" | "destination"): BindingView[] {
  const v = api.vhost(req.params.vhost!);
  req.principal.requireVhost(v.name);
  const name = exchangeName(req.params.name!);
  if (!v.exchanges.has(name)) throw notFound();
  return bindingsOf(v).filter((b) => (side === "source" ? b.source === name : b.destination_type === "exchange" && b.destination === name));
}

/** /api/exchanges: list, show, declare (PUT), delete, and their bindings. Publishing is messages.ts. */
import type { Exchange, Vhost } from "@amqp-go/broker";
import type { Api } from "../api.js";
import { amqpCall, bool, exchangeName, permit } from "../amqp-call.js";
import { jsonToTable, tableToJson } from "../field-json.js";
import { badRequest, notFound } from "../http-error.js";
import { type ApiRequest, created, list, noContent, ok, type Route } from "../route.js";
import { exchangeBindings } from "./bindings.js";
import { exchangeStats } from "./stats-view.js";

export function exchangeView(api: Api, v: Vhost, e: Exchange) {
  return {
    arguments: tableToJson(e.options.arguments),
    auto_delete: e.options.autoDelete,
    durable: e.options.durable,
    internal: e.options.internal,
    message_stats: exchangeStats(api, e, e.stats),
    name: e.name,
    // RabbitMQ 3.10 shows the field only when a policy applies
    ...(e.policy === null ? {} : { policy: e.policy.name }),
    type: e.type,
    user_who_performed_action: "rmq-internal",
    vhost: v.name,
  };
}

function find(req: ApiRequest): { v: Vhost; e: Exchange } {
  const v = req.api.vhost(req.params.vhost!);
  req.principal.requireVhost(v.name);
  const e = v.exchanges.get(exchangeName(req.params.name!));
  if (e === undefined) throw notFound();
  return { v, e };
}

const all = (req: ApiRequest, vhost?: string) =>
  req.api.vhostsFor(req.principal, vhost).flatMap((v) => [...v.exchanges.values()].map((e) => exchangeView(req.api, v, e)));

export const exchangeRoutes: Route[] = [
  { method: "GET", path: "exchanges", access: "management", handle: (req) => list(all(req), req) },
  { method: "GET", path: "exchanges/:vhost", access: "management", handle: (req) => list(all(req, req.params.vhost), req) },
  {
    method: "GET",
    path: "exchanges/:vhost/:name",
    access: "management",
    handle: (req) => {
      const { v, e } = find(req);
      return ok({ ...exchangeView(req.api, v, e), incoming: [], outgoing: [] });
    },
  },
  {
    method: "PUT",
    path: "exchanges/:vhost/:name",
    access: "management",
    handle: (req) => {
      const v = req.api.vhost(req.params.vhost!);
      req.principal.requireVhost(v.name, true);
      const name = exchangeName(req.params.name!);
      const b = req.body;
      const type = b.type ?? "direct";
      if (typeof type !== "string") throw badRequest("type must be a string");
      permit(req, v.name, "configure", "exchange", name);
      const existed = v.exchanges.has(name);
      amqpCall(() =>
        v.declareExchange({
          name,
          type,
          passive: false,
          durable: bool(b, "durable", true),
          autoDelete: bool(b, "auto_delete", false),
          internal: bool(b, "internal", false),
          arguments: jsonToTable(b.arguments ?? {}),
        }),
      );
      return existed ? noContent() : created();
    },
  },
  {
    method: "DELETE",
    path: "exchanges/:vhost/:name",
    access: "management",
    handle: (req) => {
      const { v, e } = find(req);
      req.principal.requireVhost(v.name, true);
      permit(req, v.name, "configure", "exchange", e.name);
      amqpCall(() => v.deleteExchange(e.name, req.query.get("if-unused") === "true"));
      return noContent();
    },
  },
  { method: "GET", path: "exchanges/:vhost/:name/bindings/source", access: "management", handle: (req) => list(exchangeBindings(req.api, req, "source"), req) },
  {
    method: "GET",
    path: "exchanges/:vhost/:name/bindings/destination",
    access: "management",
    handle: (req) => list(exchangeBindings(req.api, req, "destination"), req),
  },
];

/**
 * GET and POST /api/definitions[/:vhost]: RabbitMQ's definitions file. Export: users (with their
 * stored hashes), vhosts, permissions, every exchange, queue and binding that is not a server's
 * own (the default exchange and its bindings, `amq.*` exchanges, exclusive queues), policies and
 * global parameters; `parameters` is empty (no component has vhost parameters here). Import:
 * definitions-import.ts; what it could not apply is a 400 naming each, after everything else was
 * applied, as RabbitMQ reports a failed import.
 */
import { policyJson, type Vhost } from "@amqp-go/broker";
import { RABBITMQ_VERSION } from "../api.js";
import { applyDefinitions, type DefinitionsReport } from "../definitions-import.js";
import { tableToJson } from "../field-json.js";
import { HttpError } from "../http-error.js";
import { usersFileOfDb } from "../management-users.js";
import { type ApiRequest, noContent, ok, type Route } from "../route.js";
import { bindingsOf } from "./bindings.js";

function topology(vhosts: Vhost[], withVhost: boolean) {
  const tag = (vhost: string) => (withVhost ? { vhost } : {});
  const queues = [];
  const exchanges = [];
  const bindings = [];
  for (const v of vhosts) {
    for (const q of v.queues.values()) {
      if (q.options.exclusive) continue;
      queues.push({ name: q.name, ...tag(v.name), durable: q.options.durable, auto_delete: q.options.autoDelete, arguments: tableToJson(q.options.arguments) });
    }
    for (const e of v.exchanges.values()) {
      if (e.name === "" || e.name.startsWith("amq.")) continue;
      exchanges.push({
        name: e.name,
        ...tag(v.name),
        type: e.type,
        durable: e.options.durable,
        auto_delete: e.options.autoDelete,
        internal: e.options.internal,
        arguments: tableToJson(e.options.arguments),
      });
    }
    for (const b of bindingsOf(v)) {
      if (b.source === "") continue;
      const exclusive = b.destination_type === "queue" && v.queues.get(b.destination)?.options.exclusive === true;
      if (exclusive) continue;
      bindings.push({ source: b.source, ...tag(v.name), destination: b.destination, destination_type: b.destination_type, routing_key: b.routing_key, arguments: b.arguments });
    }
  }
  return { queues, exchanges, bindings };
}

const versions = (api: ApiRequest["api"]) => ({
  rabbit_version: RABBITMQ_VERSION,
  rabbitmq_version: RABBITMQ_VERSION,
  product_name: "amqp-go",
  product_version: api.version,
});

function exportAll(req: ApiRequest) {
  const { api } = req;
  const f = usersFileOfDb(api.users.authenticator.db);
  return ok({
    ...versions(api),
    users: f.users.map((u) => ({ name: u.name, password_hash: u.password_hash, hashing_algorithm: u.hashing_algorithm, tags: [...u.tags], limits: {} })),
    vhosts: f.vhosts.map((v) => ({ name: v.name })),
    permissions: f.permissions.map((p) => ({ user: p.user, vhost: p.vhost, configure: p.configure, write: p.write, read: p.read })),
    topic_permissions: [],
    parameters: [],
    global_parameters: api.globalParameters.list(),
    policies: api.broker.policies().map(policyJson),
    ...topology([...api.broker.vhosts.values()], true),
  });
}

function exportVhost(req: ApiRequest) {
  const v = req.api.vhost(req.params.vhost!);
  return ok({ ...versions(req.api), parameters: [], policies: req.api.broker.policies(v.name).map(policyJson), ...topology([v], false) });
}

function importAll(req: ApiRequest) {
  return answer(applyDefinitions(req.api, req.body));
}

function importVhost(req: ApiRequest) {
  const v = req.api.vhost(req.params.vhost!);
  return answer(applyDefinitions(req.api, req.body, v.name));
}

/** RabbitMQ reports a failed import as a 400. */
function answer(report: DefinitionsReport) {
  if (report.problems.length > 0) throw new HttpError(400, "bad_request", `some definitions were not imported: ${report.problems.join("; ")}`);
  return noContent();
}

export const definitionRoutes: Route[] = [
  { method: "GET", path: "definitions", access: "administrator", handle: exportAll },
  { method: "POST", path: "definitions", access: "administrator", handle: importAll },
  { method: "GET", path: "definitions/:vhost", access: "administrator", handle: exportVhost },
  { method: "POST", path: "definitions/:vhost", access: "administrator", handle: importVhost },
];

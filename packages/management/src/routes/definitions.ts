/**
 * GET and POST /api/definitions[/:vhost]: RabbitMQ's definitions file. Export: users (with their
 * stored hashes), vhosts, permissions, and every exchange, queue and binding that is not a
 * server's own (the default exchange and its bindings, `amq.*` exchanges, exclusive queues).
 * and policies; parameters are an empty array: there are none yet. Import: users, vhosts and
 * permissions merge into the users file; policies are set (before the queues, which are declared
 * under them), exchanges, queues and bindings declared (an existing equal one is fine: importing
 * twice changes nothing). What cannot be applied (an invalid policy, an inequivalent queue, a
 * binding to a missing queue, a parameter) is never dropped silently: the answer is 400
 * naming each, after everything else was applied, as RabbitMQ reports a failed import.
 */
import { importDefinitions, usersFileOf } from "@amqp-go/auth";
import { policyJson, type Vhost } from "@amqp-go/broker";
import { RABBITMQ_VERSION } from "../api.js";
import { httpErrorOf } from "../amqp-call.js";
import { jsonToTable, tableToJson } from "../field-json.js";
import { badRequest, HttpError } from "../http-error.js";
import { usersFileOfDb } from "../management-users.js";
import { type ApiRequest, noContent, ok, type Route } from "../route.js";
import { bindingsOf } from "./bindings.js";
import { editUsers } from "./users.js";

/** Queues the definitions name are declared as the API declares them. */
const IMPORT_OWNER = {};

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
    global_parameters: [{ name: "internal_cluster_id", value: `amqp-go-cluster-id-${api.node}` }],
    policies: api.broker.policies().map(policyJson),
    ...topology([...api.broker.vhosts.values()], true),
  });
}

function exportVhost(req: ApiRequest) {
  const v = req.api.vhost(req.params.vhost!);
  return ok({ ...versions(req.api), parameters: [], policies: req.api.broker.policies(v.name).map(policyJson), ...topology([v], false) });
}

type Entry = Record<string, unknown>;

function entries(defs: Entry, key: string): Entry[] {
  const v = defs[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((e) => e !== null && typeof e === "object" && !Array.isArray(e))) throw badRequest(`${key} must be an array of objects`);
  return v as Entry[];
}

/** Declares the exchanges, queues and bindings of `defs`; returns what could not be applied. */
function declareTopology(req: ApiRequest, defs: Entry, onlyVhost?: string): string[] {
  const problems: string[] = [];
  const { api } = req;
  const vhostOf = (e: Entry): Vhost | undefined => {
    const name = onlyVhost ?? String(e.vhost ?? "/");
    const v = api.broker.vhosts.get(name);
    if (v === undefined) problems.push(`vhost '${name}' of ${JSON.stringify(e.name ?? e.source)} does not exist`);
    return v;
  };
  const attempt = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      const e = httpErrorOf(err);
      problems.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  for (const p of entries(defs, "policies")) {
    const v = vhostOf(p);
    if (v === undefined) continue;
    attempt(`policy '${String(p.name)}' in vhost '${v.name}'`, () => {
      try {
        api.broker.setPolicy(v.name, String(p.name), { pattern: p.pattern, definition: p.definition, priority: p.priority, applyTo: p["apply-to"] });
      } catch (err) {
        throw new Error(`Validation failed: ${(err as Error).message}`);
      }
    });
  }
  for (const e of entries(defs, "exchanges")) {
    const v = vhostOf(e);
    if (v === undefined) continue;
    attempt(`exchange '${String(e.name)}' in vhost '${v.name}'`, () =>
      v.declareExchange({
        name: String(e.name),
        type: String(e.type ?? "direct"),
        passive: false,
        durable: e.durable !== false,
        autoDelete: e.auto_delete === true,
        internal: e.internal === true,
        arguments: jsonToTable(e.arguments ?? {}),
      }),
    );
  }
  for (const q of entries(defs, "queues")) {
    const v = vhostOf(q);
    if (v === undefined) continue;
    attempt(`queue '${String(q.name)}' in vhost '${v.name}'`, () =>
      v.declareQueue(
        { name: String(q.name), passive: false, durable: q.durable !== false, exclusive: false, autoDelete: q.auto_delete === true, arguments: jsonToTable(q.arguments ?? {}) },
        IMPORT_OWNER,
      ),
    );
  }
  for (const b of entries(defs, "bindings")) {
    const v = vhostOf(b);
    if (v === undefined) continue;
    const what = `binding of ${String(b.destination_type)} '${String(b.destination)}' to exchange '${String(b.source)}' in vhost '${v.name}'`;
    attempt(what, () => {
      const destination = b.destination_type === "exchange" ? v.exchanges.get(String(b.destination)) : v.queues.get(String(b.destination));
      if (destination === undefined) throw new Error(`no ${String(b.destination_type)} '${String(b.destination)}'`);
      v.bind(String(b.source), destination, String(b.routing_key ?? ""), jsonToTable(b.arguments ?? {}));
    });
  }
  for (const key of ["parameters", "topic_permissions"]) {
    const n = entries(defs, key).length;
    if (n > 0) problems.push(`${n} ${key} not imported: amqp-go has no ${key.replace("_", " ")} yet`);
  }
  return problems;
}

function importAll(req: ApiRequest) {
  const defs = req.body;
  const users = entries(defs, "users");
  const vhosts = entries(defs, "vhosts");
  const permissions = entries(defs, "permissions");
  if (users.length + vhosts.length + permissions.length > 0) {
    editUsers(req, (f) => {
      const incoming = { users, vhosts, permissions, other: {} } as unknown as Parameters<typeof importDefinitions>[1];
      const merged = importDefinitions(f, incoming);
      try {
        return { ...usersFileOf({ users: merged.users, vhosts: merged.vhosts, permissions: merged.permissions }, "definitions"), other: f.other };
      } catch (err) {
        throw badRequest((err as Error).message);
      }
    });
  }
  return answer(declareTopology(req, defs));
}

function importVhost(req: ApiRequest) {
  const v = req.api.vhost(req.params.vhost!);
  return answer(declareTopology(req, req.body, v.name));
}

function answer(problems: string[]) {
  if (problems.length > 0) throw new HttpError(400, "bad_request", `some definitions were not imported: ${problems.join("; ")}`);
  return noContent();
}

export const definitionRoutes: Route[] = [
  { method: "GET", path: "definitions", access: "administrator", handle: exportAll },
  { method: "POST", path: "definitions", access: "administrator", handle: importAll },
  { method: "GET", path: "definitions/:vhost", access: "administrator", handle: exportVhost },
  { method: "POST", path: "definitions/:vhost", access: "administrator", handle: importVhost },
];

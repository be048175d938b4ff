/**
 * Imports a RabbitMQ definitions file into a running broker: users, vhosts and permissions merge
 * into the users file (through the ManagementUsers port); policies are set (before the queues,
 * which are declared under them); exchanges, queues and bindings are declared (an existing equal
 * one is fine: importing twice changes nothing); global parameters are set. What cannot be applied
 * (an invalid policy, an inequivalent queue, a binding to a missing queue, a parameter of a
 * component amqp-go does not have, topic permissions) is never dropped silently: each is named in
 * the report's `problems`, after everything else was applied. POST /api/definitions answers them
 * as a 400; the server's `load_definitions` logs them at boot.
 */
import { importDefinitions, UsersEditError, UsersFileError, usersFileOf } from "@amqp-go/auth";
import type { Broker, Vhost } from "@amqp-go/broker";
import { httpErrorOf } from "./amqp-call.js";
import { jsonToTable } from "./field-json.js";
import type { GlobalParameters } from "./global-parameters.js";
import { badRequest } from "./http-error.js";
import type { ManagementUsers } from "./management-users.js";

/** What an import works on. */
export interface DefinitionsTarget {
  readonly broker: Broker;
  readonly users: ManagementUsers;
  readonly globalParameters: GlobalParameters;
}

export interface DefinitionsReport {
  /** How many of each kind were applied (users, vhosts, ..., global_parameters). */
  readonly applied: Readonly<Record<string, number>>;
  /** One line for each thing that could not be applied. */
  readonly problems: readonly string[];
}

/** Queues the definitions name are declared as the API declares them. */
const IMPORT_OWNER = {};

type Entry = Record<string, unknown>;

/** The array `defs[key]` (none: empty). Throws a 400 for anything but an array of objects. */
export function definitionEntries(defs: Entry, key: string): Entry[] {
  const v = defs[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((e) => e !== null && typeof e === "object" && !Array.isArray(e))) throw badRequest(`${key} must be an array of objects`);
  return v as Entry[];
}

/** `component X not found`, as RabbitMQ without the plugin that registers X. */
export const componentNotFound = (component: string): string => `component ${component} not found`;

/**
 * Applies `defs`. With `onlyVhost` (POST /api/definitions/{vhost}), only its topology and
 * policies, each put in that vhost. Throws a 400 HttpError for a malformed file (an entry list
 * that is not an array of objects, users the users file refuses); nothing is applied then.
 */
export function applyDefinitions(target: DefinitionsTarget, defs: Entry, onlyVhost?: string): DefinitionsReport {
  const applied: Record<string, number> = {};
  const problems: string[] = [];
  const count = (key: string) => void (applied[key] = (applied[key] ?? 0) + 1);
  const lists = Object.fromEntries(
    ["users", "vhosts", "permissions", "topic_permissions", "policies", "exchanges", "queues", "bindings", "parameters", "global_parameters"].map((k) => [k, definitionEntries(defs, k)]),
  ) as Record<string, Entry[]>;

  if (onlyVhost === undefined) {
    const { users, vhosts, permissions } = lists as { users: Entry[]; vhosts: Entry[]; permissions: Entry[] };
    if (users.length + vhosts.length + permissions.length > 0) {
      try {
        target.users.edit((f) => {
          const incoming = { users, vhosts, permissions, other: {} } as unknown as Parameters<typeof importDefinitions>[1];
          const merged = importDefinitions(f, incoming);
          return { ...usersFileOf({ users: merged.users, vhosts: merged.vhosts, permissions: merged.permissions }, "definitions"), other: f.other };
        });
      } catch (err) {
        if (err instanceof UsersEditError || err instanceof UsersFileError) throw badRequest((err as Error).message);
        throw err;
      }
      applied.users = users.length;
      applied.vhosts = vhosts.length;
      applied.permissions = permissions.length;
    }
  }

  const vhostOf = (e: Entry): Vhost | undefined => {
    const name = onlyVhost ?? String(e.vhost ?? "/");
    const v = target.broker.vhosts.get(name);
    if (v === undefined) problems.push(`vhost '${name}' of ${JSON.stringify(e.name ?? e.source)} does not exist`);
    return v;
  };
  const attempt = (key: string, what: string, fn: () => void) => {
    try {
      fn();
      count(key);
    } catch (err) {
      const e = httpErrorOf(err);
      problems.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  for (const p of lists.policies!) {
    const v = vhostOf(p);
    if (v === undefined) continue;
    attempt("policies", `policy '${String(p.name)}' in vhost '${v.name}'`, () => {
      try {
        target.broker.setPolicy(v.name, String(p.name), { pattern: p.pattern, definition: p.definition, priority: p.priority, applyTo: p["apply-to"] });
      } catch (err) {
        throw new Error(`Validation failed: ${(err as Error).message}`);
      }
    });
  }
  for (const e of lists.exchanges!) {
    const v = vhostOf(e);
    if (v === undefined) continue;
    attempt("exchanges", `exchange '${String(e.name)}' in vhost '${v.name}'`, () =>
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
  for (const q of lists.queues!) {
    const v = vhostOf(q);
    if (v === undefined) continue;
    attempt("queues", `queue '${String(q.name)}' in vhost '${v.name}'`, () =>
      v.declareQueue(
        { name: String(q.name), passive: false, durable: q.durable !== false, exclusive: false, autoDelete: q.auto_delete === true, arguments: jsonToTable(q.arguments ?? {}) },
        IMPORT_OWNER,
      ),
    );
  }
  for (const b of lists.bindings!) {
    const v = vhostOf(b);
    if (v === undefined) continue;
    const what = `binding of ${String(b.destination_type)} '${String(b.destination)}' to exchange '${String(b.source)}' in vhost '${v.name}'`;
    attempt("bindings", what, () => {
      const destination = b.destination_type === "exchange" ? v.exchanges.get(String(b.destination)) : v.queues.get(String(b.destination));
      if (destination === undefined) throw new Error(`no ${String(b.destination_type)} '${String(b.destination)}'`);
      v.bind(String(b.source), destination, String(b.routing_key ?? ""), jsonToTable(b.arguments ?? {}));
    });
  }
  // No component registers vhost-scoped parameters here (no federation, shovel or vhost limits):
  // each is refused as RabbitMQ refuses one whose plugin is absent.
  for (const p of lists.parameters!) {
    problems.push(`parameter '${String(p.name)}' of component '${String(p.component)}' in vhost '${onlyVhost ?? String(p.vhost ?? "/")}': ${componentNotFound(String(p.component))}`);
  }
  if (onlyVhost === undefined) {
    for (const g of lists.global_parameters!) {
      if (typeof g.name !== "string" || !("value" in g)) {
        problems.push(`global parameter ${JSON.stringify(g.name)}: needs a name and a value`);
        continue;
      }
      attempt("global_parameters", `global parameter '${g.name}'`, () => target.globalParameters.set(String(g.name), g.value));
    }
    const n = lists.topic_permissions!.length;
    if (n > 0) problems.push(`${n} topic_permissions not imported: amqp-go has no topic permissions yet`);
  }
  return { applied, problems };
}

/** "3 users, 1 vhosts, 2 queues" (what was applied), or "nothing". */
export function appliedSummary(report: DefinitionsReport): string {
  const parts = Object.entries(report.applied)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k.replace("_", " ")}`);
  return parts.length === 0 ? "nothing" : parts.join(", ");
}

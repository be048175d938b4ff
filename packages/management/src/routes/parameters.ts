/**
 * /api/parameters[/{component}[/{vhost}[/{name}]]] and /api/global-parameters[/{name}]
 * (rabbit_mgmt_wm_parameters, rabbit_mgmt_wm_parameter, rabbit_mgmt_wm_global_parameter[s]), for
 * policymakers and administrators ("User not authorised to access object" for anyone else).
 *
 * No component registers vhost parameters here (no federation, shovel or vhost limits), so they
 * answer as RabbitMQ 3.10 does without the plugin: lists are empty, one parameter is 404, a PUT is
 * 400 "component X not found". `policy` is the exception RabbitMQ makes too: the policies, in the
 * parameter shape, under that component only (not in /api/parameters), and not settable here.
 * Global parameters take any JSON value (global-parameters.ts).
 */
import { type Policy, policyJson } from "@amqp-go/broker";
import { componentNotFound } from "../definitions-import.js";
import { badRequest, HttpError, notAuthorised, notFound } from "../http-error.js";
import { type ApiRequest, created, list, noContent, ok, type Route } from "../route.js";
import { sortPolicies } from "./policies.js";

const NOT_AUTHORISED_OBJECT = "User not authorised to access object";

function requirePolicymaker(req: ApiRequest): void {
  if (!req.principal.policymaker) throw notAuthorised(NOT_AUTHORISED_OBJECT);
}

/** A policy as RabbitMQ lists it under component `policy`. */
function policyParameter(p: Policy) {
  const j = policyJson(p);
  return { value: { pattern: j.pattern, definition: j.definition, priority: j.priority, "apply-to": j["apply-to"] }, vhost: j.vhost, component: "policy", name: j.name };
}

/** The vhost of the path: 404 when it does not exist, 401 when the user may not open it. */
function vhostOf(req: ApiRequest): string {
  const name = req.params.vhost!;
  req.api.vhost(name);
  req.principal.requireVhost(name, true);
  return name;
}

function componentList(req: ApiRequest, inVhost: boolean) {
  requirePolicymaker(req);
  const vhost = inVhost ? vhostOf(req) : undefined;
  if (req.params.component !== "policy") return [];
  const visible = req.api.broker.policies(vhost).filter((p) => req.principal.canAccess(p.vhost));
  return sortPolicies(visible).map(policyParameter);
}

/** Every vhost parameter: none here (policies are listed only under their component, as RabbitMQ does). */
function all(req: ApiRequest): Record<string, unknown>[] {
  requirePolicymaker(req);
  return [];
}

function getOne(req: ApiRequest) {
  requirePolicymaker(req);
  const vhost = vhostOf(req);
  const p = req.params.component === "policy" ? req.api.broker.policies(vhost).find((x) => x.name === req.params.name) : undefined;
  if (p === undefined) throw notFound();
  return ok(policyParameter(p));
}

function put(req: ApiRequest): never {
  requirePolicymaker(req);
  if (!req.api.broker.vhosts.has(req.params.vhost!)) throw new HttpError(404, "not_found", "vhost_not_found");
  if (req.body.value === undefined) throw badRequest("[{key_missing,value}]");
  if (req.params.component === "policy") throw badRequest("policies may not be set using this method");
  throw badRequest(`Validation failed\n\n${componentNotFound(req.params.component!)}\n`);
}

function remove(req: ApiRequest): never {
  requirePolicymaker(req);
  vhostOf(req);
  const component = req.params.component;
  if (component === "policy" && req.api.broker.policies(req.params.vhost!).some((p) => p.name === req.params.name)) {
    throw badRequest("policies may not be cleared using this method");
  }
  throw notFound();
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function globalList(req: ApiRequest) {
  requirePolicymaker(req);
  return req.api.globalParameters.list().sort(byName);
}

function globalOne(req: ApiRequest) {
  requirePolicymaker(req);
  const p = req.api.globalParameters.get(req.params.name!);
  if (p === undefined) throw notFound();
  return ok({ value: p.value, name: p.name });
}

function globalPut(req: ApiRequest) {
  requirePolicymaker(req);
  if (!("value" in req.body)) throw badRequest("[{key_missing,value}]");
  // The path names it; a `name` in the body is ignored, as RabbitMQ does.
  return req.api.globalParameters.set(req.params.name!, req.body.value) ? created() : noContent();
}

function globalDelete(req: ApiRequest) {
  requirePolicymaker(req);
  if (!req.api.globalParameters.delete(req.params.name!)) throw notFound();
  return noContent();
}

export const parameterRoutes: Route[] = [
  { method: "GET", path: "parameters", access: "management", handle: (req) => list(all(req), req) },
  { method: "GET", path: "parameters/:component", access: "management", handle: (req) => list(componentList(req, false), req) },
  { method: "GET", path: "parameters/:component/:vhost", access: "management", handle: (req) => list(componentList(req, true), req) },
  { method: "GET", path: "parameters/:component/:vhost/:name", access: "management", handle: getOne },
  { method: "PUT", path: "parameters/:component/:vhost/:name", access: "management", handle: put },
  { method: "DELETE", path: "parameters/:component/:vhost/:name", access: "management", handle: remove },
  { method: "GET", path: "global-parameters", access: "management", handle: (req) => list(globalList(req) as unknown as Record<string, unknown>[], req) },
  { method: "GET", path: "global-parameters/:name", access: "management", handle: globalOne },
  { method: "PUT", path: "global-parameters/:name", access: "management", handle: globalPut },
  { method: "DELETE", path: "global-parameters/:name", access: "management", handle: globalDelete },
];

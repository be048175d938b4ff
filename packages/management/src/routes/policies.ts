/**
 * /api/policies[/{vhost}[/{name}]] (rabbit_mgmt_wm_policies, rabbit_mgmt_wm_policy): listed to any
 * management user for the vhosts they may open, sorted by priority (lowest first, as
 * rabbit_policy:list_formatted); set and deleted by administrators, and by policymakers in the
 * vhosts they may open ("User not authorised to access object" otherwise). A refused policy is 400
 * "Validation failed" with RabbitMQ's reason, HTML-escaped as the management plugin sends it.
 * /api/operator-policies[...] (rabbit_mgmt_wm_operator_policies): the same, set and deleted by
 * administrators only, and its reasons are sent as they are (3.10 escapes only the policies').
 */
import { type Policy, PolicyError, policyJson } from "@amqp-go/broker";
import { HttpError, badRequest, notAuthorised, notFound } from "../http-error.js";
import type { Principal } from "../principal.js";
import { type ApiRequest, created, list, noContent, ok, type Route } from "../route.js";

const NOT_AUTHORISED_OBJECT = "User not authorised to access object";

/** rabbit_mgmt_format:escape_html_tags, as the reason of a 400 is sent. */
export const escapeHtml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Lowest priority first; among equals by vhost, then name. */
export function sortPolicies(policies: Policy[]): Policy[] {
  return policies.sort((a, b) => a.priority - b.priority || (a.vhost < b.vhost ? -1 : a.vhost > b.vhost ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function listed(req: ApiRequest, operator: boolean, vhost?: string) {
  const visible = req.api.broker.policies(vhost, operator).filter((p) => req.principal.canAccess(p.vhost));
  return sortPolicies(visible).map(policyJson);
}

/** GET of one vhost: 404 when it does not exist, 401 when the user may not open it. */
function requireVhost(req: ApiRequest): string {
  const name = req.params.vhost!;
  req.api.vhost(name);
  if (!req.principal.canAccess(name)) throw notAuthorised("User not authorised to access virtual host");
  return name;
}

/** Administrators, and policymakers in vhosts they may open (rabbit_mgmt_util:is_authorized_policies). */
function requirePolicymaker(p: Principal, vhost: string): void {
  if (p.administrator || (p.policymaker && p.canAccess(vhost))) return;
  throw notAuthorised(NOT_AUTHORISED_OBJECT);
}

/** RabbitMQ's parse of a policy body: pattern and definition are required ("key_missing"). */
function putPolicy(req: ApiRequest, operator: boolean) {
  const vhost = req.params.vhost!;
  const name = req.params.name!;
  if (operator) req.principal.require("administrator");
  else requirePolicymaker(req.principal, vhost);
  if (!req.api.broker.vhosts.has(vhost)) throw new HttpError(404, "not_found", "vhost_not_found");
  const b = req.body;
  const missing = ["pattern", "definition"].filter((k) => b[k] === undefined);
  if (missing.length > 0) throw badRequest(`[${missing.map((k) => `{key_missing,${k}}`).join(",")}]`);
  try {
    const isNew = req.api.broker.setPolicy(vhost, name, { pattern: b.pattern, definition: b.definition, priority: b.priority, applyTo: b["apply-to"] }, operator);
    return isNew ? created() : noContent();
  } catch (err) {
    if (err instanceof PolicyError) {
      const reason = `Validation failed\n\n${err.message}\n`;
      throw badRequest(operator ? reason : escapeHtml(reason));
    }
    throw err;
  }
}

function deletePolicy(req: ApiRequest, operator: boolean) {
  const vhost = req.params.vhost!;
  if (operator) req.principal.require("administrator");
  else requirePolicymaker(req.principal, vhost);
  if (!req.api.broker.clearPolicy(vhost, req.params.name!, operator)) throw notFound();
  return noContent();
}

function getPolicy(req: ApiRequest, operator: boolean) {
  const vhost = requireVhost(req);
  const p = req.api.broker.policies(vhost, operator).find((x) => x.name === req.params.name);
  if (p === undefined) throw notFound();
  return ok(policyJson(p));
}

function routes(base: string, operator: boolean): Route[] {
  return [
    { method: "GET", path: base, access: "management", handle: (req) => list(listed(req, operator), req) },
    { method: "GET", path: `${base}/:vhost`, access: "management", handle: (req) => list(listed(req, operator, requireVhost(req)), req) },
    { method: "GET", path: `${base}/:vhost/:name`, access: "management", handle: (req) => getPolicy(req, operator) },
    { method: "PUT", path: `${base}/:vhost/:name`, access: "management", handle: (req) => putPolicy(req, operator) },
    { method: "DELETE", path: `${base}/:vhost/:name`, access: "management", handle: (req) => deletePolicy(req, operator) },
  ];
}

export const policyRoutes: Route[] = [...routes("policies", false), ...routes("operator-policies", true)];

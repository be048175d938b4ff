/**
 * Policies, as RabbitMQ 3.10 has them: per vhost, a name, a regular expression on object names,
 * what they apply to (queues, exchanges or all), a priority and a definition of settings. One
 * policy applies to an object: the matching one of highest priority. Validation and its texts
 * follow rabbit_policy / rabbit_policies (recorded in the management fixtures): the reason a
 * policy is refused is RabbitMQ's, values printed as Erlang prints them (`<<"a">>`).
 */

export type ApplyTo = "queues" | "exchanges" | "all";

/** A policy's settings: JSON values by key (`message-ttl`, `dead-letter-exchange`...). */
export type PolicyDefinition = Readonly<Record<string, unknown>>;

export interface Policy {
  readonly vhost: string;
  readonly name: string;
  readonly pattern: string;
  readonly applyTo: ApplyTo;
  readonly priority: number;
  /** Keys sorted, as RabbitMQ lists them. */
  readonly definition: PolicyDefinition;
  /** `pattern`, compiled. */
  readonly regex: RegExp;
}

/** What a client gives to set a policy (the management API's PUT body, `set_policy`). */
export interface PolicyInput {
  readonly pattern: unknown;
  readonly definition: unknown;
  readonly priority?: unknown;
  readonly applyTo?: unknown;
}

/** A policy RabbitMQ would refuse; `message` is its reason (after "Validation failed\n\n"). */
export class PolicyError extends Error {
  override readonly name = "PolicyError";
}

/** An Erlang term as `~p` prints the JSON value it was decoded from. */
export function erlangTerm(v: unknown): string {
  if (typeof v === "string") return `<<${JSON.stringify(v)}>>`;
  if (v === null) return "null";
  if (Array.isArray(v)) return `[${v.map(erlangTerm).join(",")}]`;
  if (typeof v === "object") {
    return `#{${Object.entries(v as object)
      .map(([k, x]) => `${erlangTerm(k)} => ${erlangTerm(x)}`)
      .join(",")}}`;
  }
  return String(v);
}

const isNonNegInt = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v) && v >= 0;
const oneOf =
  (...values: string[]) =>
  (v: unknown): boolean =>
    typeof v === "string" && values.includes(v);
const isString = (v: unknown): boolean => typeof v === "string";

/** rabbit_policies' validators: the check and the text of a refusal. */
const VALIDATORS: Record<string, readonly [(v: unknown) => boolean, string]> = {
  "alternate-exchange": [isString, "is not a valid alternate exchange name"],
  "dead-letter-exchange": [isString, "is not a valid dead letter exchange name"],
  "dead-letter-routing-key": [isString, "is not a valid dead letter routing key"],
  "message-ttl": [isNonNegInt, "is not a valid message TTL"],
  expires: [(v) => isNonNegInt(v) && (v as number) >= 1, "is not a valid queue expiry"],
  "max-length": [isNonNegInt, "is not a valid maximum length"],
  "max-length-bytes": [isNonNegInt, "is not a valid maximum length in bytes"],
  "max-in-memory-length": [isNonNegInt, "is not a valid maximum memory in bytes"],
  "max-in-memory-bytes": [isNonNegInt, "is not a valid maximum memory in bytes"],
  "queue-mode": [oneOf("default", "lazy"), "is not a valid queue-mode value"],
  "queue-version": [(v) => v === 1 || v === 2, "is not a valid queue-version value"],
  overflow: [oneOf("drop-head", "reject-publish", "reject-publish-dlx"), "is not a valid overflow value"],
  "delivery-limit": [isNonNegInt, "is not a valid delivery limit"],
  "max-age": [(v) => typeof v === "string" && /^[0-9]+(Y|M|D|h|m|s)$/.test(v), "is not a valid max age"],
  "queue-leader-locator": [oneOf("client-local", "random", "least-leaders"), "is not a valid queue leader locator value"],
  "initial-cluster-size": [isNonNegInt, "is not a valid cluster size"],
  "stream-max-segment-size-bytes": [isNonNegInt, "is not a valid segment size"],
  // rabbit_mirror_queue_misc registers these (classic mirroring): accepted, no effect on one node
  "ha-mode": [oneOf("all", "exactly", "nodes"), "is not a valid ha-mode value"],
  "ha-params": [() => true, ""],
  "ha-sync-mode": [oneOf("automatic", "manual"), "is not a valid ha-sync-mode value"],
  "ha-sync-batch-size": [(v) => isNonNegInt(v) && (v as number) > 0, "is not a valid ha-sync-batch-size value"],
  "ha-promote-on-shutdown": [oneOf("when-synced", "always"), "is not a valid ha-promote-on-shutdown value"],
  "ha-promote-on-failure": [oneOf("when-synced", "always"), "is not a valid ha-promote-on-failure value"],
  "queue-master-locator": [oneOf("min-masters", "client-local", "random"), "is not a valid queue-master-locator value"],
};

/** The policy keys RabbitMQ 3.10 knows (`max-priority` is not one: a queue argument only). */
export const POLICY_KEYS: readonly string[] = Object.keys(VALIDATORS);

/** What an operator policy may set (rabbit_policies' operator_policy_validator): limits only. */
export const OPERATOR_POLICY_KEYS: readonly string[] = ["expires", "message-ttl", "max-length", "max-length-bytes", "max-in-memory-length", "max-in-memory-bytes", "delivery-limit"];

/**
 * A policy's definition with an operator policy's over it (rabbit_policy:merge_policies): a key
 * both set gets the lower value, a key one sets its value. Null when neither applies.
 */
export function mergeDefinitions(policy: PolicyDefinition | null, operator: PolicyDefinition | null): PolicyDefinition | null {
  if (operator === null) return policy;
  if (policy === null) return operator;
  const out: Record<string, unknown> = { ...policy };
  for (const [k, v] of Object.entries(operator)) {
    const mine = out[k];
    out[k] = typeof mine === "number" && typeof v === "number" ? Math.min(mine, v) : v;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function checkDefinition(def: unknown, keys: readonly string[]): PolicyDefinition {
  if (typeof def !== "object" || def === null || Array.isArray(def)) throw new PolicyError(`definition must be a dictionary: ${erlangTerm(def)}`);
  const given = Object.keys(def).sort();
  if (given.length === 0) throw new PolicyError("no policy provided");
  const unknown = given.filter((k) => !keys.includes(k));
  if (unknown.length > 0) {
    const terms = unknown.map((k) => `{${erlangTerm(k)},${erlangTerm((def as Record<string, unknown>)[k])}}`);
    throw new PolicyError(`[${terms.join(",")}] are not recognised policy settings`);
  }
  const out: Record<string, unknown> = {};
  for (const k of given) {
    const v = (def as Record<string, unknown>)[k];
    const [ok, text] = VALIDATORS[k]!;
    if (!ok(v)) throw new PolicyError(`${erlangTerm(v)} ${text}`);
    out[k] = v;
  }
  return out;
}

/** PCRE's words (Erlang's re) for what JavaScript's RegExp says, and where PCRE reports it. */
const PCRE_ERRORS: Record<string, (pattern: string) => [string, number]> = {
  "Unterminated group": (p) => ["missing )", p.length],
  "Unmatched ')'": (p) => ["unmatched parentheses", p.indexOf(")")],
  "Nothing to repeat": () => ["nothing to repeat", 0],
  "Unterminated character class": (p) => ["missing terminating ] for character class", p.length],
  "numbers out of order in {} quantifier": (p) => ["numbers out of order in {} quantifier", p.indexOf("}")],
  "\\ at end of pattern": (p) => ["\\ at end of pattern", p.length],
};

function compile(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (err) {
    const why = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
    const [text, at] = PCRE_ERRORS[why]?.(pattern) ?? [why, 0];
    throw new PolicyError(`pattern should be regular expression but is invalid: {${JSON.stringify(text)},${at}}`);
  }
}

/** A valid policy (an operator policy: `operator`) from what a client gave, or a PolicyError with RabbitMQ's reason. */
export function makePolicy(vhost: string, name: string, input: PolicyInput, operator = false): Policy {
  const priority = input.priority ?? 0;
  if (typeof priority !== "number") throw new PolicyError(`priority should be a number, actually was ${erlangTerm(priority)}`);
  if (typeof input.pattern !== "string") throw new PolicyError(`pattern should be a binary but was ${erlangTerm(input.pattern)}`);
  const regex = compile(input.pattern);
  const applyTo = input.applyTo ?? "all";
  if (applyTo !== "queues" && applyTo !== "exchanges" && applyTo !== "all") {
    throw new PolicyError(`apply-to '${String(applyTo)}' unrecognised; should be 'queues', 'exchanges' or 'all'`);
  }
  const definition = checkDefinition(input.definition, operator ? OPERATOR_POLICY_KEYS : POLICY_KEYS);
  return { vhost, name, pattern: input.pattern, applyTo, priority, definition, regex };
}

/**
 * The policy for an object named `name` of `kind`: the matching one of highest priority; among
 * equals, the one listed first (`policies` in name order, as RabbitMQ lists them), or null.
 */
export function policyFor(policies: Iterable<Policy>, kind: "queue" | "exchange", name: string): Policy | null {
  let best: Policy | null = null;
  for (const p of policies) {
    if (p.applyTo !== "all" && p.applyTo !== (kind === "queue" ? "queues" : "exchanges")) continue;
    if (!p.regex.test(name)) continue;
    if (best === null || p.priority > best.priority || (p.priority === best.priority && p.name < best.name)) best = p;
  }
  return best;
}

/** The policy in RabbitMQ's JSON shape (`/api/policies`, definitions files). */
export function policyJson(p: Policy): { vhost: string; name: string; pattern: string; "apply-to": ApplyTo; definition: PolicyDefinition; priority: number } {
  return { vhost: p.vhost, name: p.name, pattern: p.pattern, "apply-to": p.applyTo, definition: p.definition, priority: p.priority };
}

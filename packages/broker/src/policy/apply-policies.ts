/** Policies chosen again for every exchange and queue of a vhost, after a policy changed. */
import type { Exchange } from "../exchange/exchange.js";
import type { Queue } from "../queue/queue.js";
import { mergeDefinitions, type Policy, policyFor } from "./policy.js";
import { argumentsUnderPolicy } from "./queue-policy.js";

/** Each queue's (and exchange's) policies chosen again; the effective arguments rebuilt for the queues whose policies change. */
export function applyPolicies(exchanges: Iterable<Exchange>, queues: Iterable<Queue>, policies: Map<string, Policy>, operatorPolicies: Map<string, Policy>): void {
  for (const e of exchanges) {
    if (e.name === "") continue; // the default exchange takes no policy
    const p = policyFor(policies.values(), "exchange", e.name);
    if (p !== e.policy) e.applyPolicy(p);
  }
  for (const q of [...queues]) {
    const p = policyFor(policies.values(), "queue", q.name);
    const op = policyFor(operatorPolicies.values(), "queue", q.name);
    if (p === q.policy && op === q.operatorPolicy) continue;
    q.policy = p;
    q.operatorPolicy = op;
    q.policyDefinition = mergeDefinitions(p?.definition ?? null, op?.definition ?? null);
    q.applyArguments(argumentsUnderPolicy(q.ownArgs, q.options.arguments, q.policyDefinition));
  }
}

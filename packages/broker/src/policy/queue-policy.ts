/**
 * A queue's effective arguments under a policy, resolved key by key as RabbitMQ 3.10's queue
 * process does (rabbit_amqqueue_process:process_args_policy): for `expires`, `message-ttl`,
 * `max-length`, `max-length-bytes` (and a quorum queue's `delivery-limit`) the lower of the
 * policy's value and the queue's own argument; for `dead-letter-exchange`,
 * `dead-letter-routing-key` and `overflow` the queue's own argument when it has one. A setting
 * only one of them gives applies. `max-priority`, the queue type and single active consumer are
 * declare arguments only.
 */
import type { FieldTable } from "@amqp-go/protocol";
import { effective, type Overflow, type QueueArguments } from "../queue/arguments.js";
import type { PolicyDefinition } from "./policy.js";

/** The lower of the two, where `none` means unset on the queue. */
function lower(own: number, none: number, declared: boolean, policy: unknown): number {
  if (typeof policy !== "number") return own;
  if (!declared || own === none) return policy;
  return Math.min(own, policy);
}

/**
 * `own`: the queue's arguments from its declare (`table`, the declared field table, says which it
 * gave); `definition`: the policy's (null: none). The result is what every queue feature reads.
 */
export function argumentsUnderPolicy(own: QueueArguments, table: FieldTable, definition: PolicyDefinition | null): QueueArguments {
  if (definition === null) return own;
  const has = (key: string): boolean => table[`x-${key}`] !== undefined;
  const quorum = own.type === "quorum";
  const dlx = definition["dead-letter-exchange"];
  const dlrk = definition["dead-letter-routing-key"];
  let overflow = own.overflow;
  const policyOverflow = definition["overflow"];
  if (!has("overflow") && typeof policyOverflow === "string") {
    overflow = quorum && policyOverflow === "reject-publish-dlx" ? "reject-publish" : (policyOverflow as Overflow);
  }
  const expires = lower(own.expires, 0, has("expires"), definition["expires"]);
  return effective({
    type: own.type,
    messageTtl: lower(own.messageTtl, -1, has("message-ttl"), definition["message-ttl"]),
    expires,
    deadLetterExchange: own.deadLetterExchange !== null || typeof dlx !== "string" ? own.deadLetterExchange : dlx,
    deadLetterRoutingKey: own.deadLetterRoutingKey !== null || typeof dlrk !== "string" ? own.deadLetterRoutingKey : dlrk,
    maxLength: lower(own.maxLength, -1, has("max-length"), definition["max-length"]),
    maxLengthBytes: lower(own.maxLengthBytes, -1, has("max-length-bytes"), definition["max-length-bytes"]),
    overflow,
    maxPriority: own.maxPriority,
    singleActiveConsumer: own.singleActiveConsumer,
    deliveryLimit: quorum ? lower(own.deliveryLimit, -1, has("delivery-limit"), definition["delivery-limit"]) : own.deliveryLimit,
  });
}

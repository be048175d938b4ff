/**
 * A queue's effective arguments: what every queue feature reads (TTL, dead-lettering, length
 * limits, x-expires, priorities, single active consumer, the quorum delivery limit). Built here
 * from queue.declare's arguments, validated as RabbitMQ 3.10.8 does, with its 406 texts (recorded
 * in CONFORMANCE.md §16). A policy (a later issue) sets the same fields: queue code reads only
 * this object, never the declare table.
 */
import type { FieldTable, FieldValue } from "@amqp-go/protocol";
import { preconditionFailed } from "../errors.js";
import { typeName } from "../field-type.js";

export type Overflow = "drop-head" | "reject-publish" | "reject-publish-dlx";
export type QueueType = "classic" | "quorum";

/** RabbitMQ's ceiling for x-max-priority. */
export const MAX_PRIORITY = 255;
/** RabbitMQ's ceiling for a TTL or x-expires (ms): ten years. */
export const MAX_EXPIRY = 315_360_000_000;

export interface QueueArguments {
  readonly type: QueueType;
  /** x-message-ttl in ms; -1: none. */
  readonly messageTtl: number;
  /** x-expires in ms; 0: none. */
  readonly expires: number;
  /** x-dead-letter-exchange; null: messages dropped are gone. */
  readonly deadLetterExchange: string | null;
  /** x-dead-letter-routing-key; null: the message's own routing keys. */
  readonly deadLetterRoutingKey: string | null;
  /** x-max-length; -1: none. */
  readonly maxLength: number;
  /** x-max-length-bytes (body octets); -1: none. */
  readonly maxLengthBytes: number;
  readonly overflow: Overflow;
  /** x-max-priority, 1-255; 0: none. */
  readonly maxPriority: number;
  readonly singleActiveConsumer: boolean;
  /** x-delivery-limit (quorum queues); -1: none. */
  readonly deliveryLimit: number;
  /**
   * Nothing to do per message beyond the plain queue: no TTL, no length limit, no delivery count.
   * The hot path tests this one flag.
   */
  readonly plain: boolean;
}

export const NO_ARGUMENTS: QueueArguments = effective({});

/** Fills in the defaults and the `plain` flag (also what a policy would call). */
export function effective(a: Partial<Omit<QueueArguments, "plain">>): QueueArguments {
  const r = {
    type: a.type ?? "classic",
    messageTtl: a.messageTtl ?? -1,
    expires: a.expires ?? 0,
    deadLetterExchange: a.deadLetterExchange ?? null,
    deadLetterRoutingKey: a.deadLetterRoutingKey ?? null,
    maxLength: a.maxLength ?? -1,
    maxLengthBytes: a.maxLengthBytes ?? -1,
    overflow: a.overflow ?? "drop-head",
    maxPriority: a.maxPriority ?? 0,
    singleActiveConsumer: a.singleActiveConsumer ?? false,
    deliveryLimit: a.deliveryLimit ?? -1,
  };
  const plain = r.messageTtl < 0 && r.maxLength < 0 && r.maxLengthBytes < 0 && r.type === "classic";
  return { ...r, plain };
}

/** The arguments RabbitMQ 3.10 validates, compares on a redeclare, and checks against the queue type. */
export const DECLARE_ARGS = [
  "x-expires",
  "x-message-ttl",
  "x-dead-letter-exchange",
  "x-dead-letter-routing-key",
  "x-max-length",
  "x-max-length-bytes",
  "x-max-in-memory-length",
  "x-max-in-memory-bytes",
  "x-max-priority",
  "x-overflow",
  "x-queue-mode",
  "x-single-active-consumer",
  "x-queue-type",
  "x-quorum-initial-group-size",
  "x-max-age",
  "x-stream-max-segment-size-bytes",
  "x-initial-cluster-size",
  "x-queue-leader-locator",
] as const;

/** Arguments a queue type refuses ("invalid arg ... of queue type rabbit_classic_queue"), as 3.10 answers. */
const REFUSED: Record<QueueType, readonly string[]> = {
  classic: [
    "x-max-age",
    "x-stream-max-segment-size-bytes",
    "x-initial-cluster-size",
    "x-queue-leader-locator",
    "x-quorum-initial-group-size",
    "x-dead-letter-strategy",
    "x-max-in-memory-length",
    "x-max-in-memory-bytes",
    "x-delivery-limit",
  ],
  quorum: ["x-max-priority", "x-queue-mode", "x-queue-master-locator", "x-max-age", "x-stream-max-segment-size-bytes", "x-initial-cluster-size"],
};

export interface DeclaredQueue {
  readonly name: string;
  readonly vhost: string;
  readonly durable: boolean;
  readonly exclusive: boolean;
  readonly autoDelete: boolean;
  readonly arguments: FieldTable;
}

type Check = (v: FieldValue, args: FieldTable) => string | null;

const isInt = (v: FieldValue): v is number | bigint => typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
const expectedInt = (v: FieldValue): string => `"expected integer, got ${typeName(v)}"`;

function nonNegInt(v: FieldValue): string | null {
  if (!isInt(v)) return expectedInt(v);
  return v < 0 ? `{value_negative,${v}}` : null;
}

function expiry(v: FieldValue): string | null {
  const e = nonNegInt(v);
  if (e !== null) return e;
  return Number(v) > MAX_EXPIRY ? `{value_too_large,${v}}` : null;
}

const CHECKS: Record<string, Check> = {
  "x-expires": (v) => (isInt(v) && Number(v) === 0 ? "{value_zero,0}" : expiry(v)),
  "x-message-ttl": expiry,
  "x-dead-letter-routing-key": (v, args) => {
    if (typeof v !== "string") return `{unacceptable_type,${typeName(v)}}`;
    return args["x-dead-letter-exchange"] === undefined ? "routing_key_but_no_dlx_defined" : null;
  },
  "x-max-length": nonNegInt,
  "x-max-length-bytes": nonNegInt,
  "x-max-in-memory-length": nonNegInt,
  "x-max-in-memory-bytes": nonNegInt,
  "x-max-priority": (v) => {
    const e = nonNegInt(v);
    if (e !== null) return e;
    return Number(v) > MAX_PRIORITY ? `{max_value_exceeded,${v}}` : null;
  },
  "x-overflow": (v) => {
    if (typeof v !== "string") return `{unacceptable_type,${typeName(v)}}`;
    return v === "drop-head" || v === "reject-publish" || v === "reject-publish-dlx" ? null : "invalid_overflow";
  },
  "x-queue-mode": (v) => {
    if (typeof v !== "string") return `{unacceptable_type,${typeName(v)}}`;
    return v === "default" || v === "lazy" ? null : `"unsupported queue mode '${v}'"`;
  },
  "x-single-active-consumer": (v) => (typeof v === "boolean" ? null : `{unacceptable_type,${typeName(v)}}`),
  "x-queue-type": (v) => {
    if (typeof v !== "string") return `{unacceptable_type,${typeName(v)}}`;
    return v === "classic" || v === "quorum" || v === "stream" ? null : `"unsupported queue type '${v}'"`;
  },
};

/**
 * The effective arguments of a queue being declared; 406 for what RabbitMQ 3.10 refuses. Streams
 * get RabbitMQ's property checks, then are refused as an unsupported type (amqp-go has none).
 */
export function queueArguments(d: DeclaredQueue): QueueArguments {
  const args = d.arguments;
  const where = `queue '${d.name}' in vhost '${d.vhost}'`;
  const dlx = args["x-dead-letter-exchange"];
  if (dlx !== undefined && typeof dlx !== "string") {
    throw preconditionFailed(`invalid type '${typeName(dlx)}' for arg 'x-dead-letter-exchange' in ${where}`);
  }
  for (const key of DECLARE_ARGS) {
    const v = args[key];
    const check = CHECKS[key];
    if (v === undefined || check === undefined) continue;
    const error = check(v, args);
    if (error !== null) throw preconditionFailed(`invalid arg '${key}' for ${where}: ${error}`);
  }
  const declaredType = (args["x-queue-type"] as string | undefined) ?? "classic";
  if (declaredType !== "classic") {
    // RabbitMQ's order: auto-delete, exclusive, non-durable
    const bad = d.autoDelete ? "auto-delete" : d.exclusive ? "exclusive-owner" : !d.durable ? "non-durable" : null;
    if (declaredType === "quorum") refuseArgs("quorum", args, where);
    if (bad !== null) throw preconditionFailed(`invalid property '${bad}' for ${where}`);
    if (declaredType === "stream") throw preconditionFailed(`invalid arg 'x-queue-type' for ${where}: "unsupported queue type 'stream'"`);
  } else refuseArgs("classic", args, where);
  const type: QueueType = declaredType === "quorum" ? "quorum" : "classic";
  const n = (key: string, none: number): number => {
    const v = args[key];
    return v === undefined ? none : Number(v);
  };
  const overflow = args["x-overflow"] as Overflow | undefined;
  const limit = args["x-delivery-limit"];
  return effective({
    type,
    messageTtl: n("x-message-ttl", -1),
    expires: n("x-expires", 0),
    deadLetterExchange: (dlx as string | undefined) ?? null,
    deadLetterRoutingKey: (args["x-dead-letter-routing-key"] as string | undefined) ?? null,
    maxLength: n("x-max-length", -1),
    maxLengthBytes: n("x-max-length-bytes", -1),
    // quorum queues in 3.10 take reject-publish-dlx as reject-publish
    overflow: type === "quorum" && overflow === "reject-publish-dlx" ? "reject-publish" : (overflow ?? "drop-head"),
    maxPriority: n("x-max-priority", 0),
    singleActiveConsumer: args["x-single-active-consumer"] === true,
    // RabbitMQ ignores a delivery limit that is not a non-negative integer
    deliveryLimit: type === "quorum" && limit !== undefined && isInt(limit) && limit >= 0 ? Number(limit) : -1,
  });
}

function refuseArgs(type: QueueType, args: FieldTable, where: string): void {
  for (const key of REFUSED[type]) {
    if (args[key] !== undefined) throw preconditionFailed(`invalid arg '${key}' for ${where} of queue type rabbit_${type}_queue`);
  }
}

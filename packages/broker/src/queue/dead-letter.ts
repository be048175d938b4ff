/**
 * Dead-lettering a message as RabbitMQ 3.10 does (rabbit_dead_letter): the copy that goes to the
 * dead-letter exchange gets an `x-death` entry for (queue, reason) (a new one first, or the
 * existing one's count raised and moved first), `x-first-death-*` headers the first time, the
 * header table sorted by key, the `expiration` property removed (kept as `original-expiration`),
 * and the routing keys: x-dead-letter-routing-key (CC removed) or the message's own (CC and BCC
 * too). 3.10 writes no `x-last-death-*` headers (3.13 does). Classic semantics: at most once.
 */
import { type BasicProperties, type FieldTable, type FieldValue, typed } from "@amqp-go/protocol";
import type { Message } from "../message.js";

export type DeathReason = "rejected" | "expired" | "maxlen" | "delivery_limit";

/** Where a queue hands the messages it dead-letters (the vhost's DeadLetters). */
export interface DeadLetterSink {
  /** Dropped by a queue without a dead-letter exchange (counted only). */
  dropped(reason: DeathReason, quorum: boolean): void;
  deadLetter(message: Message, reason: DeathReason, queue: string, exchange: string, routingKey: string | null, quorum: boolean): void;
}

function stringsOf(v: FieldValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((r): r is string => typeof r === "string") : [];
}

function sorted(t: FieldTable): FieldTable {
  const out: FieldTable = {};
  for (const k of Object.keys(t).sort()) out[k] = t[k];
  return out;
}

const countOf = (v: FieldValue | undefined): number => (typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : (v as { value?: number } | undefined)?.value ?? 0);

/** The message the dead-letter exchange gets, and the routing keys it is routed with. */
export function deadLettered(
  m: Message,
  reason: DeathReason,
  queue: string,
  exchange: string,
  routingKey: string | null,
  quorum: boolean,
): Message {
  const props = m.properties;
  const headers: FieldTable = { ...(props.headers ?? {}) };
  if (quorum) delete headers["x-delivery-count"];
  // the first routing key is the one published with; the others come from CC (BCC is gone by now)
  const extra = m.extraRoutingKeys ?? stringsOf(headers.CC);
  const keys = [m.routingKey, ...extra];
  const info: FieldTable = {
    reason,
    queue,
    time: new Date(Math.floor(Date.now() / 1000) * 1000),
    exchange: m.exchange,
    "routing-keys": keys,
  };
  if (props.expiration !== undefined) info["original-expiration"] = props.expiration;
  const deaths = headers["x-death"];
  if (Array.isArray(deaths)) {
    const i = deaths.findIndex((d) => isTable(d) && d.queue === queue && d.reason === reason);
    // an entry added to an existing x-death is sorted by key; the very first one is not (3.10)
    if (i < 0) headers["x-death"] = [sorted({ count: typed("l", 1), ...info }), ...deaths];
    else {
      const match = deaths[i] as FieldTable;
      const updated = sorted({ ...match, count: typed("l", countOf(match.count) + 1) });
      headers["x-death"] = [updated, ...deaths.slice(0, i), ...deaths.slice(i + 1)];
    }
  } else {
    headers["x-first-death-reason"] = reason;
    headers["x-first-death-queue"] = queue;
    headers["x-first-death-exchange"] = m.exchange;
    headers["x-death"] = [{ count: typed("l", 1), ...info }];
  }
  if (routingKey !== null) delete headers.CC;
  const p: BasicProperties = { ...props, headers: sorted(headers) };
  delete p.expiration;
  const out = m.withProperties(exchange, routingKey ?? m.routingKey, p);
  if (routingKey === null && extra.length > 0) out.extraRoutingKeys = extra;
  return out;
}

function isTable(v: FieldValue): v is FieldTable {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date) && v.constructor === Object;
}

/**
 * RabbitMQ's cycle rule: a message dead-lettered for another reason than `rejected` is not
 * delivered to a queue it already died in when every death since (that one included) was
 * automatic (no rejection): such a loop would never end.
 */
export function isCycle(m: Message, reason: DeathReason, target: string): boolean {
  if (reason === "rejected") return false;
  const deaths = m.headers?.["x-death"];
  if (!Array.isArray(deaths)) return false;
  for (const d of deaths) {
    if (!isTable(d)) return false;
    if (d.reason === "rejected") return false;
    if (d.queue === target) return true;
  }
  return false;
}

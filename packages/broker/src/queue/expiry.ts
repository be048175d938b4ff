/**
 * Message TTL: the `expiration` property (validated at publish as RabbitMQ 3.10 does, 406
 * "invalid expiration 'abc': no_integer") and a message's deadline in a queue: the lower of the
 * queue's x-message-ttl and the message's own, from when it was published. A deadline of 0 means
 * none. Expiry happens at the head of a queue only (RabbitMQ's rule), so a queue needs no timer
 * per message: one timer, armed for the head's deadline.
 */
import { preconditionFailed } from "../errors.js";
import type { Message } from "../message.js";
import { MAX_EXPIRY } from "./arguments.js";

/** The `expiration` flag in the first property-flags word. */
const EXPIRATION_FLAG = 0x0100;

/** Erlang's string:to_integer, then RabbitMQ's range check: the TTL in ms, or the error term. */
function parse(text: string): number | string {
  const m = /^[+-]?[0-9]+/.exec(text);
  if (m === null) return "no_integer";
  if (m[0].length < text.length) return `{leftover_string,"${text.slice(m[0].length)}"}`;
  const n = Number(m[0]);
  if (n < 0) return `{value_negative,${m[0].replace(/^\+/, "")}}`;
  if (n > MAX_EXPIRY) return `{value_too_large,${n}}`;
  return n;
}

/** The publish checks: sets `m.ttl` from its `expiration` property, or throws 406. */
export function checkExpiration(m: Message): void {
  const text = m.properties.expiration;
  if (text === undefined) return;
  const ttl = parse(text);
  if (typeof ttl !== "number") throw preconditionFailed(`invalid expiration '${text}': ${ttl}`);
  m.ttl = ttl;
}

/** The message's own TTL: parsed again for one read from disk (it was valid when published). */
export function ownTtl(m: Message): number {
  if (m.ttl >= 0) return m.ttl;
  const p = m.rawProperties;
  if (p.length < 2 || (p.readUInt16BE(0) & EXPIRATION_FLAG) === 0) return -1;
  const text = m.properties.expiration;
  const ttl = text === undefined ? -1 : parse(text);
  m.ttl = typeof ttl === "number" ? ttl : -1;
  return m.ttl;
}

/** When `m` expires in a queue whose x-message-ttl is `queueTtl` (-1: none); 0: never. */
export function deadlineOf(m: Message, queueTtl: number): number {
  const own = ownTtl(m);
  const ttl = own < 0 ? queueTtl : queueTtl < 0 ? own : Math.min(own, queueTtl);
  if (ttl < 0) return 0;
  if (m.arrivedAt === 0) m.arrivedAt = Date.now();
  return m.arrivedAt + ttl;
}

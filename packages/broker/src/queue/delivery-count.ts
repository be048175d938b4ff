/**
 * Quorum queues: a message that comes back is delivered again with an `x-delivery-count` header
 * (a long: how many times it came back), as RabbitMQ 3.10 adds it (the header table then sorted
 * by key). The count lives in memory: it starts over after a restart.
 */
import { type FieldTable, typed } from "@amqp-go/protocol";
import type { Message } from "../message.js";

export function withDeliveryCount(m: Message, count: number): Message {
  const props = m.properties;
  const headers: FieldTable = { ...(props.headers ?? {}), "x-delivery-count": typed("l", count) };
  const out: FieldTable = {};
  for (const k of Object.keys(headers).sort()) out[k] = headers[k];
  const copy = m.withProperties(m.exchange, m.routingKey, { ...props, headers: out });
  copy.arrivedAt = m.arrivedAt;
  copy.ttl = m.ttl;
  return copy;
}

/**
 * x-max-length and x-max-length-bytes (a negative limit: none), counted over the ready messages
 * only, as RabbitMQ counts them: deliveries awaiting their ack do not count.
 */
import type { QueueArguments } from "./arguments.js";
import type { ReadyMessages } from "./ready.js";

/** Whether one more message of `bodySize` body octets would take the queue past a limit. */
export function wouldExceed(a: QueueArguments, ready: ReadyMessages, bodySize: number): boolean {
  return (a.maxLength >= 0 && ready.length + 1 > a.maxLength) || (a.maxLengthBytes >= 0 && ready.body + bodySize > a.maxLengthBytes);
}

/** Whether the queue is past a limit now (drop-head drops from the head until it is not). */
export function exceeds(a: QueueArguments, ready: ReadyMessages): boolean {
  return (a.maxLength >= 0 && ready.length > a.maxLength) || (a.maxLengthBytes >= 0 && ready.body > a.maxLengthBytes);
}

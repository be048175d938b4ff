/** A message as a queue holds it, and what a queue is declared with. */
import type { FieldTable } from "@amqp-go/protocol";
import type { SegmentPosition } from "@amqp-go/storage";
import type { Message } from "../message.js";

export interface QueueEntry {
  /** Replaced only by a quorum queue's redelivery (its x-delivery-count header). */
  message: Message;
  /** `message.size`: octets counted against the memory watermark (and the backlog's budget). */
  readonly size: number;
  /** Arrival order in this queue: requeued messages go back to their place. */
  readonly seq: number;
  redelivered: boolean;
  /** Where a durable queue keeps it on disk; null in a queue that does not survive a restart. */
  readonly position: SegmentPosition | null;
  /** When it expires (ms since the epoch, at the head of the queue); 0: never. */
  readonly expires: number;
  /** Quorum queues: how many times it came back (x-delivery-count). */
  deliveries: number;
}

export interface QueueOptions {
  readonly durable: boolean;
  readonly exclusive: boolean;
  readonly autoDelete: boolean;
  readonly arguments: FieldTable;
}

import type { Message } from "./message.js";
import type { Queue } from "./queue/queue.js";

/** Where durable queues keep their messages (the broker's message store, when it has a data dir). */
export interface QueueStorage {
  /** A durable queue was declared: it gets its files. */
  attach(queue: Queue): void;
  /** A durable queue was deleted: its files go. */
  detach(queue: Queue): void;
  /** Where a message routed to durable queues is written (MessageStore.publish). */
  readonly store: { publish(message: Message, targets: ArrayLike<Queue>, n: number): number } | null;
}

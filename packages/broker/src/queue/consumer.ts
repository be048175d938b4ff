/** A consumer: a subscription of a channel to a queue, with its own prefetch window. */
import type { FlowPublisher } from "./flow.js";
import type { Queue } from "./queue.js";
import type { QueueEntry } from "./queue-entry.js";

/** What a consumer delivers into: the channel that created it. */
export interface DeliverySink {
  /** Room to deliver now: channel open, channel-wide prefetch, socket not backed up. */
  canDeliver(): boolean;
  deliver(consumer: Consumer, entry: QueueEntry): void;
  /** The queue went away under the consumer: tell the client (basic.cancel). */
  cancelledByServer(consumer: Consumer): void;
  /** The connection of the channel: a queue does not hold back a publisher that consumes from it. */
  readonly publisher: FlowPublisher;
}

export class Consumer {
  /** Deliveries not yet acknowledged. */
  unacked = 0;
  /** When a ByPriority scheduler last chose it (round-robin among equal priorities). */
  lastServed = 0;

  constructor(
    readonly tag: string,
    readonly queue: Queue,
    readonly sink: DeliverySink,
    readonly noAck: boolean,
    readonly exclusive: boolean,
    /** Most unacknowledged deliveries at once; 0: no limit. */
    readonly prefetch: number,
    /** x-priority: among consumers with room, the highest gets the message (RabbitMQ's consumer priorities). */
    readonly priority = 0,
  ) {}

  hasCredit(): boolean {
    return (this.noAck || this.prefetch === 0 || this.unacked < this.prefetch) && this.sink.canDeliver();
  }
}

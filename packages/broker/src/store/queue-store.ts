/** The disk of one durable queue: its segment files, under an id that is never reused. */
import type { SegmentPosition, SegmentStore } from "@amqp-go/storage";
import type { Message } from "../message.js";
import type { MessageStore } from "./message-store.js";

export class QueueStore {
  closed = false;

  constructor(
    /** Names the directory `queues/<id>` and the queue in log records. */
    readonly id: number,
    /** `vhost/queue`, for logs. */
    readonly name: string,
    readonly dir: string,
    readonly segments: SegmentStore,
    private readonly messages: MessageStore,
  ) {}

  get nextSeq(): number {
    return this.segments.nextSeq;
  }

  /** Writes the message to the segments (a persistent one also goes to the log with the publish). */
  append(message: Message): SegmentPosition {
    return this.messages.append(this, message);
  }

  ack(position: SegmentPosition): void {
    if (!this.closed) this.segments.ack(position);
  }
}

/**
 * Ready messages all in memory: the queues that do not survive a restart. New messages go to the
 * ring, deliveries that come back to the requeued heap; the oldest of the two goes out first.
 */
import { RingBuffer, sizeOfSized } from "@amqp-go/storage";
import type { Backlog, BacklogOwner } from "./backlog.js";
import type { QueueEntry } from "./queue-entry.js";
import { Requeued } from "./requeued.js";

export class MemoryBacklog implements Backlog {
  private readonly ready = new RingBuffer<QueueEntry>(Infinity, sizeOfSized);
  private readonly requeued = new Requeued();

  constructor(private readonly owner: BacklogOwner) {}

  get length(): number {
    return this.ready.length + this.requeued.length;
  }

  push(entry: QueueEntry): void {
    this.ready.push(entry);
  }

  shift(): QueueEntry | undefined {
    const r = this.requeued.peek();
    if (r !== undefined) {
      const e = this.ready.peek();
      if (e === undefined || r.seq < e.seq) return this.requeued.shift();
    }
    return this.ready.shift();
  }

  peek(): QueueEntry | undefined {
    const r = this.requeued.peek();
    const e = this.ready.peek();
    return r !== undefined && (e === undefined || r.seq < e.seq) ? r : e;
  }

  requeue(entry: QueueEntry): void {
    this.requeued.push(entry);
  }

  last(): QueueEntry | undefined {
    return this.ready.last();
  }

  purge(): number {
    this.owner.release(this.ready.bytes + this.requeued.bytes);
    return this.ready.clear() + this.requeued.clear().length;
  }
}

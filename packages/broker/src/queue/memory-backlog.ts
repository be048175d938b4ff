/** Ready messages all in memory, on one power-of-two ring: the queues that do not survive a restart. */
import type { Backlog, BacklogOwner } from "./backlog.js";
import { Deque } from "./deque.js";
import type { QueueEntry } from "./queue.js";

export class MemoryBacklog implements Backlog {
  private readonly ready = new Deque<QueueEntry>();

  constructor(private readonly owner: BacklogOwner) {}

  get length(): number {
    return this.ready.length;
  }

  push(entry: QueueEntry): void {
    this.ready.push(entry);
  }

  shift(): QueueEntry | undefined {
    return this.ready.shift();
  }

  requeue(entry: QueueEntry): void {
    const ready = this.ready;
    let i = 0;
    while (i < ready.length && ready.at(i)!.seq < entry.seq) i++;
    ready.insertAt(i, entry);
  }

  last(): QueueEntry | undefined {
    return this.ready.at(this.ready.length - 1);
  }

  purge(): number {
    let bytes = 0;
    for (const e of this.ready) bytes += e.message.size;
    this.owner.release(bytes);
    return this.ready.clear();
  }
}

/**
 * Deliveries that came back to a queue (nack/reject with requeue, recover, a channel closed), kept
 * apart from the ready ring so that a requeue never moves the ready messages: a binary min-heap on
 * arrival order. Requeues in delivery order (a channel closing, a multiple nack) each cost one
 * comparison with the parent; the next one out costs O(log n). The backlog serves these before its
 * ring: a message that was delivered came before every message still in the ring, so the heap's
 * least `seq` is the queue's oldest, as RabbitMQ puts a requeued message back at its position.
 */
import type { QueueEntry } from "./queue-entry.js";

export class Requeued {
  private heap: QueueEntry[] = [];
  /** Octets held. */
  bytes = 0;

  get length(): number {
    return this.heap.length;
  }

  push(entry: QueueEntry): void {
    const h = this.heap;
    let i = h.length;
    h.push(entry);
    const seq = entry.seq;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!;
      if (p.seq <= seq) break;
      h[i] = p;
      i = parent;
    }
    h[i] = entry;
    this.bytes += entry.size;
  }

  /** The one with the least seq. */
  peek(): QueueEntry | undefined {
    return this.heap[0];
  }

  shift(): QueueEntry | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      // sift `last` down from the root
      const seq = last.seq;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && h[c + 1]!.seq < h[c]!.seq) c++;
        const child = h[c]!;
        if (child.seq >= seq) break;
        h[i] = child;
        i = c;
      }
      h[i] = last;
    }
    this.bytes -= top.size;
    return top;
  }

  /** The entries, in no particular order. */
  [Symbol.iterator](): Iterator<QueueEntry> {
    return this.heap[Symbol.iterator]();
  }

  /** Drops everything; returns the entries (in no particular order). */
  clear(): QueueEntry[] {
    const h = this.heap;
    this.heap = [];
    this.bytes = 0;
    return h;
  }
}

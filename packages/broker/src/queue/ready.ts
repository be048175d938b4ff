/**
 * A queue's ready messages: its backlog (in memory, over the queue's files, or by priority) and the
 * body octets they hold (what x-max-length-bytes counts; kept for every queue, since a policy may
 * set a limit at any time). Length limits and dead-lettering see the ready messages through this
 * class only, never the backlog itself.
 */
import type { Backlog } from "./backlog.js";
import type { QueueEntry } from "./queue-entry.js";

export class ReadyMessages {
  /** Body octets of the ready messages, in memory or on disk. */
  body = 0;

  constructor(private backlog: Backlog) {}

  /** Ready messages, in memory or on disk. */
  get length(): number {
    return this.backlog.length;
  }

  /** The queue's files take over (a durable queue): their backlog, holding `body` octets recovered. */
  attach(backlog: Backlog, body: number): void {
    this.backlog = backlog;
    this.body = body;
  }

  push(entry: QueueEntry): void {
    this.body += entry.message.body.length;
    this.backlog.push(entry);
  }

  /** The next ready message; undefined when the next one is being read from disk (or none is left). */
  shift(): QueueEntry | undefined {
    const e = this.backlog.shift();
    if (e !== undefined) this.body -= e.message.body.length;
    return e;
  }

  /** The message `shift` would return, left in place. */
  peek(): QueueEntry | undefined {
    return this.backlog.peek();
  }

  /** A delivery comes back, to its place by arrival order. */
  requeue(entry: QueueEntry): void {
    this.body += entry.message.body.length;
    this.backlog.requeue(entry);
  }

  /** The newest message, if it is in memory. */
  last(): QueueEntry | undefined {
    return this.backlog.last();
  }

  /** Drops every ready message; returns how many. */
  purge(): number {
    this.body = 0;
    return this.backlog.purge();
  }
}

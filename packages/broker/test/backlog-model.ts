/**
 * A model of a queue's messages for property tests of its backlogs (queue/*-backlog.test.ts):
 * messages are numbered in arrival order (the number is the body); a get takes the lowest ready
 * number; a requeued delivery goes back to its place, flagged redelivered.
 */
import fc from "fast-check";
import { expect } from "vitest";
import type { Queue } from "../src/queue/queue.js";
import type { QueueEntry } from "../src/queue/queue-entry.js";

export type BacklogOp =
  | { readonly kind: "publish"; readonly count: number }
  | { readonly kind: "get" }
  | { readonly kind: "ack" | "requeue"; readonly pick: number }
  | { readonly kind: "purge" };

/** Publishes of 1 to `maxPublish` messages, gets, acks and requeues of a random delivery, purges. */
export function backlogOps(maxPublish: number, maxLength: number): fc.Arbitrary<BacklogOp[]> {
  const op: fc.Arbitrary<BacklogOp> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("publish" as const), count: fc.integer({ min: 1, max: maxPublish }) }) },
    { weight: 3, arbitrary: fc.constant({ kind: "get" } as const) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("requeue" as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("ack" as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.constant({ kind: "purge" } as const) },
  );
  return fc.array(op, { maxLength });
}

const numberOf = (e: QueueEntry): number => Number(e.message.body.toString());

export class BacklogModel {
  /** Ready messages by number, each redelivered or not. */
  readonly ready = new Map<number, boolean>();
  /** Deliveries awaiting their ack. */
  readonly unacked: QueueEntry[] = [];
  /** Messages published so far: the next one's number. */
  published = 0;

  constructor(private readonly queue: Queue) {}

  /** The next message's number, counted as ready. */
  publish(): number {
    this.ready.set(this.published, false);
    return this.published++;
  }

  /** What a basic.get answered: the lowest ready number, with its redelivered flag; nothing when none is ready. */
  got(e: QueueEntry | undefined): void {
    if (this.ready.size === 0) return expect(e).toBeUndefined();
    const first = Math.min(...this.ready.keys());
    expect(e === undefined ? undefined : numberOf(e)).toBe(first);
    expect(e!.redelivered).toBe(this.ready.get(first));
    this.ready.delete(first);
    this.unacked.push(e!);
  }

  /** ack, requeue or purge on the queue and the model. */
  apply(o: BacklogOp): void {
    if (o.kind === "purge") {
      expect(this.queue.purge()).toBe(this.ready.size);
      this.ready.clear();
    } else if ((o.kind === "ack" || o.kind === "requeue") && this.unacked.length > 0) {
      const [e] = this.unacked.splice(o.pick % this.unacked.length, 1);
      if (o.kind === "ack") this.queue.settle(e!, null);
      else {
        this.queue.requeue(e!, null);
        this.ready.set(numberOf(e!), true);
      }
    }
  }

  /** The queue's counts agree with the model. */
  check(): void {
    expect(this.queue.messageCount).toBe(this.ready.size);
    expect(this.queue.unacked).toBe(this.unacked.length);
  }
}

/**
 * Credit flow, the queue's side: a queue that holds more than its flow mark in memory holds back
 * the connections that publish to it (they stop reading their sockets: RabbitMQ's "flow" state)
 * until it is back under half the mark. The mark is low while the queue has consumers, so that
 * publishers go at their consumers' pace and the backlog (and latency) stays short, and high
 * while it has none, so that a burst waiting for its consumers is absorbed before anyone waits.
 *
 *   ready bytes (held, not delivered) ──────────────────────▶
 *   0            resume (mark / 2)          mark
 *   │ publishers read ···················· │ a publish past here: its connection waits
 *                  ◀── waiting connections are read again
 */

/** The two marks, in octets of ready messages (counted as for the memory watermark; deliveries awaiting their ack are bounded by prefetch instead). */
export interface FlowLimits {
  /** A queue with consumers. */
  readonly consumed: number;
  /** A queue with none. */
  readonly idle: number;
}

export const NO_FLOW_LIMITS: FlowLimits = { consumed: Infinity, idle: Infinity };

/** A publishing connection as a queue's flow sees it (Connection is one). */
export interface FlowPublisher {
  /** `source` went back under its resume mark (or away): it holds this publisher back no longer. */
  flowResumed(source: FlowSource): void;
}

/** What holds publishers back: a queue over its mark, or the disk behind on its syncs (store/disk-flow.ts). */
export interface FlowSource {
  readonly name: string;
  /** Octets it holds, for the log. */
  readonly bytes: number;
  /** `publisher` waits for it; false when it waits already (or must not wait). */
  holdBack(publisher: FlowPublisher): boolean;
  forgetPublisher(publisher: FlowPublisher): void;
}

export class QueueFlow {
  /** Publishers waiting for this queue, each once. */
  private readonly waiting: FlowPublisher[] = [];

  constructor(private readonly limits: FlowLimits) {}

  /** The mark for a queue with `consumers` consumers. */
  mark(consumers: number): number {
    return consumers > 0 ? this.limits.consumed : this.limits.idle;
  }

  get waiters(): number {
    return this.waiting.length;
  }

  /** `publisher` waits until the queue is under its resume mark; false when it waits already. */
  hold(publisher: FlowPublisher): boolean {
    if (this.waiting.includes(publisher)) return false;
    this.waiting.push(publisher);
    return true;
  }

  /** `publisher` went away (its connection closed): it no longer waits. */
  forget(publisher: FlowPublisher): void {
    const i = this.waiting.indexOf(publisher);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  /** The queue now holds `bytes` with `consumers` consumers: waiters go once it is at half its mark. */
  settled(source: FlowSource, bytes: number, consumers: number): void {
    if (this.waiting.length > 0 && bytes <= this.mark(consumers) / 2) this.releaseAll(source);
  }

  /** Every waiter goes (the queue is under its mark, or deleted). */
  releaseAll(source: FlowSource): void {
    const waiting = this.waiting.splice(0);
    for (const p of waiting) p.flowResumed(source);
  }
}

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

/** A queue's consumer as its flow sees it: the publisher on the same connection is never held back. */
interface FlowConsumer {
  readonly sink: { readonly publisher: FlowPublisher };
}

/**
 * A queue's side of credit flow: the octets it holds, and the publishers waiting for it. It is
 * what a held-back connection waits for (its FlowSource). DiskFlow keeps its waiters in one too.
 */
export class QueueFlow implements FlowSource {
  /** Message octets held by the queue, ready and unacknowledged (as counted for the memory alarm). */
  bytes = 0;
  /** Of those, the octets delivered and awaiting their ack (bounded by prefetch, not by flow). */
  unackedBytes = 0;
  /** Publishers waiting for this queue, each once. */
  private readonly waiting: FlowPublisher[] = [];

  constructor(
    private readonly limits: FlowLimits,
    /** The queue's name, for the log. */
    readonly name = "",
    /** The queue's consumers (the array itself: it changes). */
    private readonly consumers: readonly FlowConsumer[] = [],
  ) {}

  /** Octets of ready messages: what credit flow bounds. */
  get readyBytes(): number {
    return this.bytes - this.unackedBytes;
  }

  /** Over its mark: a publish to the queue holds back the publishing connection. */
  get over(): boolean {
    return this.bytes - this.unackedBytes > this.mark(this.consumers.length);
  }

  /**
   * `publisher` published while the queue was over its mark: it waits until the queue is under
   * half the mark. False when it waits already, or when it consumes from the queue: its acks are
   * what would bring the queue down, and they come on the socket it would stop.
   */
  holdBack(publisher: FlowPublisher): boolean {
    for (const c of this.consumers) if (c.sink.publisher === publisher) return false;
    return this.hold(publisher);
  }

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

  /** FlowSource: the publisher's connection closed: it waits for nothing. */
  forgetPublisher(publisher: FlowPublisher): void {
    this.forget(publisher);
  }

  /** `publisher` went away (its connection closed): it no longer waits. */
  forget(publisher: FlowPublisher): void {
    const i = this.waiting.indexOf(publisher);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  /** The source now holds `bytes` with `consumers` consumers: waiters go once it is at half its mark. */
  settled(source: FlowSource, bytes: number, consumers: number): void {
    if (this.waiting.length > 0 && bytes <= this.mark(consumers) / 2) this.releaseAll(source);
  }

  /** The queue's octets went down, or its consumers changed: waiters go once it is at half its mark. */
  queueSettled(): void {
    this.settled(this, this.bytes - this.unackedBytes, this.consumers.length);
  }

  /** Every waiter goes (the queue is under its mark, or deleted). */
  releaseAll(source: FlowSource): void {
    const waiting = this.waiting.splice(0);
    for (const p of waiting) p.flowResumed(source);
  }
}

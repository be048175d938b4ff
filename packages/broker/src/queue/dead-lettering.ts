/**
 * When a message leaves its queue without a delivery, and where it goes: RabbitMQ's dead-letter
 * reasons. `expired` at the head of the queue, `maxlen` by drop-head or reject-publish-dlx overflow,
 * `rejected` by a consumer, `delivery_limit` for a quorum queue's message past x-delivery-limit.
 * The message goes to the queue's dead-letter exchange (dead-letter.ts makes the copy) or is
 * dropped and counted. It sees the queue through `DeadLetterQueue` and the ready messages through
 * `ReadyMessages`, nothing else.
 */
import type { QueueArguments } from "./arguments.js";
import type { DeadLetterSink, DeathReason } from "./dead-letter.js";
import type { HeadExpiry } from "./head-expiry.js";
import { exceeds, wouldExceed } from "./length-limit.js";
import type { QueueEntry } from "./queue-entry.js";
import type { ReadyMessages } from "./ready.js";
import type { Message } from "../message.js";

/** What dead-lettering sees of its queue (Queue is one). */
export interface DeadLetterQueue {
  readonly name: string;
  /** The effective arguments: limits, overflow, dead-letter exchange and routing key. */
  readonly args: QueueArguments;
  /** Where dead-lettered messages go (the vhost's dead-lettering); null: dropped. */
  readonly deadLetters: DeadLetterSink | null;
  /** `entry` leaves the queue: its octets released, acked on disk. */
  consumed(entry: QueueEntry): void;
}

export class DeadLettering {
  constructor(
    private readonly queue: DeadLetterQueue,
    private readonly ready: ReadyMessages,
    private readonly expiry: HeadExpiry,
  ) {}

  /**
   * reject-publish overflow: whether the queue refuses `message` (full); with reject-publish-dlx it
   * is dead-lettered too (reason maxlen). False for drop-head.
   */
  refuses(message: Message): boolean {
    const a = this.queue.args;
    if (a.overflow === "drop-head") return false;
    const full = wouldExceed(a, this.ready, message.body.length);
    if (full && a.overflow === "reject-publish-dlx") this.deadLetter(message, "maxlen");
    return full;
  }

  /** drop-head: while over x-max-length or x-max-length-bytes, the oldest goes (reason maxlen). */
  applyLimits(): void {
    const a = this.queue.args;
    if (a.maxLength < 0 && a.maxLengthBytes < 0) return;
    if (a.overflow !== "drop-head") return;
    while (exceeds(a, this.ready)) {
      const e = this.ready.shift();
      if (e === undefined) return; // on disk: applied again once it is read in
      this.drop(e, "maxlen");
    }
  }

  /** Expired messages at the head go (reason expired); the timer is armed for the next deadline. */
  expireHead(now: number): void {
    for (;;) {
      const head = this.ready.peek();
      if (head === undefined || head.expires === 0) return;
      if (head.expires > now) return this.expiry.arm(head.expires);
      const e = this.ready.shift();
      if (e === undefined) return;
      this.drop(e, "expired");
    }
  }

  /** Limits and expiry at the head, as of `now`: before a drain, after a publish. */
  enforce(now: number): void {
    this.applyLimits();
    this.expireHead(now);
  }

  /** The next ready message that has not expired by `now`; expired ones are dropped on the way. */
  shiftLive(now: number): QueueEntry | undefined {
    for (;;) {
      const e = this.ready.shift();
      if (e === undefined || e.expires === 0 || e.expires >= now) return e;
      this.drop(e, "expired");
    }
  }

  /**
   * A quorum queue's delivery came back: counted (x-delivery-count); past x-delivery-limit it leaves
   * the queue, dead-lettered (reason delivery_limit), and true is returned.
   */
  overDeliveryLimit(entry: QueueEntry): boolean {
    const a = this.queue.args;
    if (a.type !== "quorum") return false;
    entry.deliveries++;
    if (a.deliveryLimit < 0 || entry.deliveries <= a.deliveryLimit) return false;
    this.queue.consumed(entry);
    this.deadLetter(entry.message, "delivery_limit");
    return true;
  }

  /** A ready message (already shifted from the ready messages) leaves the queue without a delivery. */
  drop(entry: QueueEntry, reason: DeathReason): void {
    this.queue.consumed(entry);
    this.deadLetter(entry.message, reason);
  }

  /** To the dead-letter exchange if the queue has one, else counted as dropped. */
  deadLetter(message: Message, reason: DeathReason): void {
    const q = this.queue;
    const a = q.args;
    const quorum = a.type === "quorum";
    if (a.deadLetterExchange === null) q.deadLetters?.dropped(reason, quorum);
    else q.deadLetters?.deadLetter(message, reason, q.name, a.deadLetterExchange, a.deadLetterRoutingKey, quorum);
  }
}

/**
 * The time side of a queue's message TTL: the one timer, armed for the head's deadline (expiry
 * happens at the head only, so no message has a timer of its own), and the TTL history a policy
 * writes, so a message read back from disk keeps the TTL it arrived under (RabbitMQ fixes a
 * message's expiry when it is enqueued). The history is kept in memory only: after a restart the
 * current TTL applies.
 */
import type { Message } from "../message.js";
import { deadlineOf } from "./expiry.js";

export class HeadExpiry {
  private timer: NodeJS.Timeout | null = null;
  private at = 0;
  /** The queue TTL from each arrival seq on; null: never changed since the declare. */
  private changes: { fromSeq: number; ttl: number }[] | null = null;
  private readonly onTimer = (): void => {
    this.timer = null;
    this.expire();
  };

  constructor(
    /** The queue's x-message-ttl at the declare (-1: none). */
    private readonly firstTtl: number,
    /** Called when the head's deadline has come: the queue drains, dropping what expired. */
    private readonly expire: () => void,
  ) {}

  /** A policy changed the queue TTL to `ttl` for messages arriving from `fromSeq` on. */
  ttlChanged(fromSeq: number, ttl: number): void {
    (this.changes ??= []).push({ fromSeq, ttl });
  }

  /** The deadline of `message`, arrived as `seq`, in a queue whose TTL is now `currentTtl` (0: none). */
  deadline(message: Message, seq: number, currentTtl: number): number {
    let ttl = currentTtl;
    if (this.changes !== null) {
      ttl = this.firstTtl;
      for (const c of this.changes) if (seq >= c.fromSeq) ttl = c.ttl;
    }
    return deadlineOf(message, ttl);
  }

  /** The head expires at `at` (ms since the epoch): the timer fires then, unless armed earlier. */
  arm(at: number): void {
    if (this.timer !== null) {
      if (this.at <= at) return;
      clearTimeout(this.timer);
    }
    this.at = at;
    this.timer = setTimeout(this.onTimer, Math.max(1, at - Date.now() + 1));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

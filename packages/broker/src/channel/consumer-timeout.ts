/**
 * consumer_timeout: a delivery left unacknowledged for longer than the timeout closes its channel
 * with 406 PRECONDITION_FAILED, in RabbitMQ's words. It is checked on a timer, not per message:
 * one broker-wide interval ticks every quarter of the timeout (at most once a minute, as
 * RabbitMQ's channel tick), and at each tick every channel samples its next delivery tag. A
 * delivery then needs no timestamp: when the oldest unacknowledged delivery tag is below the tag
 * sampled a full timeout ago, that delivery went out before the sample and has waited the timeout
 * at least (at most timeout + two ticks).
 */
import { preconditionFailed } from "../errors.js";

/** A channel with deliveries that may time out. */
export interface TimedChannel {
  checkConsumerTimeout(now: number, timeout: number): void;
}

export class ConsumerTimeouts {
  readonly channels = new Set<TimedChannel>();
  private timer: NodeJS.Timeout | null = null;

  /** `timeout` ms; 0 disables the check. */
  constructor(readonly timeout: number) {}

  start(): void {
    if (this.timeout === 0 || this.timer !== null) return;
    const tick = Math.min(60_000, Math.max(5, Math.floor(this.timeout / 4)));
    this.timer = setInterval(() => this.tick(), tick).unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const now = performance.now();
    for (const c of this.channels) c.checkConsumerTimeout(now, this.timeout);
  }
}

/** A channel's samples of its next delivery tag, one per tick, back to one a full timeout old. */
export class AckDeadline {
  private readonly at: number[] = [];
  private readonly tags: number[] = [];

  /** True when `oldest` (the oldest unacknowledged delivery tag; 0: none) has waited `timeout` ms. */
  expired(now: number, timeout: number, nextTag: number, oldest: number): boolean {
    const at = this.at;
    const tags = this.tags;
    at.push(now);
    tags.push(nextTag);
    let k = -1;
    while (k + 1 < at.length && now - at[k + 1]! >= timeout) k++;
    if (k > 0) {
      at.splice(0, k);
      tags.splice(0, k);
    }
    return k >= 0 && oldest !== 0 && oldest < tags[0]!;
  }
}

export const ackTimedOut = (channel: number, timeout: number) =>
  preconditionFailed(
    `delivery acknowledgement on channel ${channel} timed out. Timeout value used: ${timeout} ms. This timeout value can be configured, see consumers doc guide to learn more`,
  );

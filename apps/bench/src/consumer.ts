/**
 * One consumer on its own connection: prefetch, basic.consume, and per message a count, a latency
 * sample (now minus the timestamp in the first 8 bytes) and an ack, one per message or one with
 * `multiple` every `multiAck`. The handler is bound once; nothing is allocated per message beyond
 * what amqplib hands us.
 */
import type { Channel, ConsumeMessage } from "amqplib";
import type { ClientSettings, ConsumerPlan, Counters } from "./agent-messages.js";
import { nowNs } from "./clock.js";
import type { Histogram } from "./latency.js";

export class Consumer {
  private unacked = 0;
  private last: ConsumeMessage | null = null;
  private cancelled = false;
  /** Messages sent before this time (ns, monotonic) are not timed: the warm-up. */
  private timedFrom = 0n;

  constructor(
    private readonly ch: Channel,
    private readonly plan: ConsumerPlan,
    private readonly s: ClientSettings,
    private readonly c: Counters,
    private readonly latency: Histogram,
    private readonly onCancel: (message: string) => void,
  ) {}

  /** Leaves messages sent in the next `seconds` out of the latency histogram. */
  warmUp(seconds: number): void {
    // No warm-up times everything (another process's producer may start a moment before this one hears "publish").
    this.timedFrom = seconds > 0 ? nowNs() + BigInt(Math.round(seconds * 1e9)) : 0n;
  }

  async start(): Promise<void> {
    if (this.s.prefetch > 0 && !this.s.autoack) await this.ch.prefetch(this.s.prefetch);
    await this.ch.consume(this.plan.queue, this.onMessage, { noAck: this.s.autoack });
  }

  private readonly onMessage = (m: ConsumeMessage | null): void => {
    if (m === null) {
      // basic.cancel from the broker: the queue was deleted under us.
      if (!this.cancelled) this.onCancel(`consumer ${this.plan.id}: the broker cancelled the consumer of queue ${this.plan.queue}`);
      this.cancelled = true;
      return;
    }
    const now = nowNs();
    const c = this.c;
    c.consumed++;
    c.lastConsumeAt = Number(now) / 1e6;
    if (m.content.length >= 8) {
      const sent = m.content.readBigUInt64BE(0);
      if (sent >= this.timedFrom) {
        const us = Number(now - sent) / 1000;
        this.latency.recordValue(us < 1 ? 1 : Math.round(us));
      }
    }
    if (this.s.autoack) return;
    if (this.s.multiAck === 1) {
      this.ch.ack(m);
      return;
    }
    if (++this.unacked >= this.s.multiAck) {
      this.ch.ack(m, true);
      this.unacked = 0;
      this.last = null;
    } else this.last = m;
  };

  /** Acks what `multiAck` held back, before the channel closes. */
  flushAcks(): void {
    if (this.last !== null) this.ch.ack(this.last, true);
    this.last = null;
    this.unacked = 0;
  }
}

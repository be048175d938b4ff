/**
 * A raw consumer on its own connection: basic.qos, basic.consume, then per delivery only what the
 * bench needs, read in place from the frames: the delivery tag (basic.deliver), the body size
 * (content header; properties are never decoded) and the send time in the body's first 8 octets.
 * Each message is counted, timed into the HDR histogram and acked (one ack per message, or one
 * with `multiple` every --multi-ack); the acks of a turn of the event loop go out in one write.
 */
import { MethodId } from "@amqp-go/protocol";
import type { ClientSettings, ConsumerPlan, Counters } from "../agent-messages.js";
import { nowMs } from "../clock.js";
import type { Histogram } from "../latency.js";
import { AckWriter } from "./acks.js";
import type { ChannelListener, RawConnection } from "./connection.js";
import { clockHalves, STAMP_TIME } from "./publish-frames.js";

const TWO_32 = 0x1_0000_0000;

export class RawConsumer implements ChannelListener {
  /** Called with each message's first body frame (tests read the stamp's producer and sequence). */
  inspect: ((b: Buffer, start: number, end: number) => void) | null = null;
  private readonly acks: AckWriter;
  private readonly now = new Uint32Array(2);
  /** Messages sent before this time (ns halves) are not timed: the warm-up. */
  private readonly timedFrom = new Uint32Array(2);
  private nowTaken = false;
  private tag = 0;
  private bodySize = 0;
  private bodySeen = 0;
  private unacked = 0;
  private lastTag = 0;
  private consumedInRead = 0;
  private cancelled = false;
  private flushPending = false;
  /** Bound once: writes the acks of every read of one turn of the event loop. */
  private readonly flush = (): void => {
    this.flushPending = false;
    this.acks.flush();
  };

  constructor(
    private readonly conn: RawConnection,
    private readonly plan: ConsumerPlan,
    private readonly s: ClientSettings,
    private readonly c: Counters,
    private readonly latency: Histogram,
    private readonly onCancelled: (message: string) => void,
  ) {
    this.acks = new AckWriter(conn);
    conn.listener = this;
  }

  /** Leaves messages sent in the next `seconds` out of the latency histogram. */
  warmUp(seconds: number): void {
    if (seconds <= 0) {
      this.timedFrom[0] = this.timedFrom[1] = 0;
      return;
    }
    const from = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
    this.timedFrom[0] = Number(from >> 32n);
    this.timedFrom[1] = Number(from & 0xffffffffn);
  }

  async start(): Promise<void> {
    const { prefetch, autoack } = this.s;
    if (prefetch > 0 && !autoack) {
      await this.conn.call({ id: MethodId.BasicQos, prefetchSize: 0, prefetchCount: prefetch, global: false }, MethodId.BasicQosOk);
    }
    const consume = { id: MethodId.BasicConsume, queue: this.plan.queue, consumerTag: `amqp-bench-${this.plan.id}`, noLocal: false, noAck: autoack, exclusive: false, noWait: false } as const;
    await this.conn.call(consume, MethodId.BasicConsumeOk);
  }

  onDeliver(tag: number): void {
    this.tag = tag;
    this.bodySeen = 0;
    this.bodySize = -1;
  }

  onContentHeader(bodySize: number): void {
    this.bodySize = bodySize;
    if (bodySize === 0) this.delivered();
  }

  onBody(b: Buffer, start: number, end: number): void {
    if (this.bodySeen === 0) {
      if (end - start >= STAMP_TIME) this.time(b, start);
      this.inspect?.(b, start, end);
    }
    this.bodySeen += end - start;
    if (this.bodySeen >= this.bodySize) this.delivered();
  }

  /** One latency sample: now (taken once per socket read) minus the send time, in µs. */
  private time(b: Buffer, start: number): void {
    const hi = b.readUInt32BE(start);
    const lo = b.readUInt32BE(start + 4);
    const from = this.timedFrom;
    if ((hi - from[0]!) * TWO_32 + (lo - from[1]!) < 0) return;
    if (!this.nowTaken) {
      clockHalves(this.now);
      this.nowTaken = true;
    }
    const us = ((this.now[0]! - hi) * TWO_32 + (this.now[1]! - lo)) / 1000;
    this.latency.recordValue(us < 1 ? 1 : Math.round(us));
  }

  private delivered(): void {
    this.consumedInRead++;
    if (this.s.autoack) return;
    if (this.s.multiAck === 1) return this.acks.ack(this.tag, false);
    if (++this.unacked >= this.s.multiAck) {
      this.acks.ack(this.tag, true);
      this.unacked = 0;
    } else this.lastTag = this.tag;
  }

  onReadEnd(): void {
    this.nowTaken = false;
    if (this.consumedInRead === 0) return;
    // libuv reads a socket up to 32 times per wake-up: the acks of all those reads go in one write.
    if (!this.flushPending && !this.s.autoack) {
      this.flushPending = true;
      setImmediate(this.flush);
    }
    this.c.consumed += this.consumedInRead;
    this.consumedInRead = 0;
    this.c.lastConsumeAt = nowMs();
  }

  /** Acks what --multi-ack held back, before the connection closes. */
  flushAcks(): void {
    if (this.unacked > 0) this.acks.ack(this.lastTag, true);
    this.unacked = 0;
    this.acks.flush();
  }

  onCancel(): void {
    if (!this.cancelled) this.onCancelled(`consumer ${this.plan.id}: the broker cancelled the consumer of queue ${this.plan.queue}`);
    this.cancelled = true;
  }

  onConfirm(): void {}
  onPause(): void {}
}

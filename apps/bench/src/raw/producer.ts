/**
 * A raw producer on its own connection: pre-encoded publishes (publish-frames.ts) written in
 * batches, one socket write per turn of the event loop (at most TURN_BYTES), with the send time
 * stamped once per batch. It respects every brake the broker has:
 *   - backpressure: once write() returns false it waits for 'drain' (a broker that stops reading,
 *     as credit flow does, stops the producer within one socket buffer);
 *   - connection.blocked and channel.flow: no publish until unblocked;
 *   - publisher confirms (--confirm N): at most N unconfirmed, multi-ack aware.
 * At a fixed rate (--rate, per producer) it publishes what is due since the start each time a
 * timer fires (every TICK_MS), so a batch is the messages of a tick.
 */
import { type MethodArgs, MethodId } from "@amqp-go/protocol";
import type { ClientSettings, Counters, ProducerPlan } from "../agent-messages.js";
import { nowMs } from "../clock.js";
import { ConfirmWindow } from "./confirm-window.js";
import type { ChannelListener, RawConnection } from "./connection.js";
import { clockHalves, newSlab, type PublishCycle, publishCycle, STAMP_FULL, stamp } from "./publish-frames.js";
import { SlabPool } from "./slabs.js";

/** Octets written per turn at most: big enough to amortise the write, small enough to let reads in. */
const TURN_BYTES = 128 * 1024;
/**
 * At a fixed rate, the timer's period: what is due is published every 5 ms, in one write. Every
 * message still carries its own send time, and at 1 ms the timer, the write and the broker's and
 * consumer's reads it sets off cost the generator twice the CPU (16% of a core at 20k msg/s).
 */
const TICK_MS = 10;

type Waiting = "drain" | "confirm" | "timer" | "turn" | "pause" | null;

export class RawProducer implements ChannelListener {
  private readonly cycle: PublishCycle;
  private readonly fans: Int32Array;
  private readonly confirms: ConfirmWindow | null;
  private readonly clock = new Uint32Array(2);
  private readonly full: boolean;
  private readonly slabs: SlabPool;
  /** Next message's offset in the slab, the start of the batch not written yet, its slot in the cycle. */
  private pos = 0;
  private batchStart = 0;
  private key = 0;
  private sent = 0;
  private startedAt = 0;
  private stopping = false;
  private publishing = false;
  private confirmedInRead = false;
  private waiting: Waiting = null;
  private timer: NodeJS.Timeout | undefined;
  private resolveDone: (() => void) | undefined;
  /** Settles once publishing stopped and every confirm arrived. */
  readonly done: Promise<void>;

  constructor(
    private readonly conn: RawConnection,
    private readonly plan: ProducerPlan,
    private readonly s: ClientSettings,
    private readonly c: Counters,
  ) {
    const { exchange, keys, fan } = plan.target;
    this.cycle = publishCycle({ exchange, keys, size: s.size, persistent: s.persistent, priorityLevels: s.priorityLevels, frameMax: conn.frameMax });
    // Slot j of the cycle has key j mod keys (and priority j mod levels).
    this.fans = Int32Array.from({ length: this.cycle.sizes.length }, (_, j) => fan[j % fan.length]!);
    this.confirms = s.confirm > 0 ? new ConfirmWindow(s.confirm) : null;
    this.full = s.size >= STAMP_FULL;
    const cycle = this.cycle;
    this.slabs = new SlabPool(conn, () => newSlab(cycle));
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    conn.listener = this;
  }

  /** confirm.select when confirms are on; call before start(). */
  async setUp(): Promise<void> {
    if (this.confirms !== null) await this.conn.call({ id: MethodId.ConfirmSelect, noWait: false } as MethodArgs, MethodId.ConfirmSelectOk);
  }

  start(): void {
    this.startedAt = nowMs();
    this.publishing = true;
    this.pump();
  }

  /** Stops publishing (a stalled 'drain' included); `done` settles once confirms are in. */
  stop(): void {
    this.stopping = true;
    if (!this.publishing) return this.settle();
    if (this.waiting === "drain") this.conn.offDrain(this.pump);
    if (this.waiting === "timer") clearTimeout(this.timer);
    if (this.waiting !== "turn" && this.waiting !== null) this.finishPublishing();
  }

  /** Unconfirmed messages. */
  get unconfirmed(): number {
    return this.confirms?.outstanding ?? 0;
  }

  private readonly pump = (): void => {
    this.waiting = null;
    if (this.stopping || this.sent >= this.plan.messages) return this.finishPublishing();
    if (this.conn.paused) {
      this.waiting = "pause";
      return;
    }
    let budget = this.plan.messages - this.sent;
    const rate = this.s.rate;
    if (rate > 0) {
      const elapsed = nowMs() - this.startedAt;
      const due = Math.floor((elapsed * rate) / 1000) - this.sent;
      if (due <= 0) return this.tick(Math.max(TICK_MS, ((this.sent + 1) * 1000) / rate - elapsed));
      if (due < budget) budget = due;
    }
    if (this.confirms !== null) {
      const room = this.confirms.room;
      if (room <= 0) {
        this.waiting = "confirm";
        return;
      }
      if (room < budget) budget = room;
    }
    const ok = this.publish(budget);
    this.c.lastPublishAt = nowMs();
    if (this.sent >= this.plan.messages) return this.finishPublishing();
    if (!ok) {
      this.waiting = "drain";
      this.conn.onceDrain(this.pump);
      return;
    }
    // At a fixed rate, unless still behind (a turn was not enough), the next batch is a tick away.
    if (rate > 0 && this.sent >= Math.floor(((nowMs() - this.startedAt) * rate) / 1000)) return this.tick(TICK_MS);
    this.waiting = "turn";
    setImmediate(this.pump);
  };

  private tick(ms: number): void {
    this.waiting = "timer";
    this.timer = setTimeout(this.pump, ms);
  }

  /** Publishes up to `budget` messages (and TURN_BYTES) in one corked write; false if the socket is full. */
  private publish(budget: number): boolean {
    const { cycle, fans, confirms, clock, full, conn, slabs } = this;
    const { sizes, stampAt } = cycle;
    const keys = sizes.length;
    const producer = this.plan.id;
    clockHalves(clock);
    const hi = clock[0]!;
    const lo = clock[1]!;
    let slab = slabs.current;
    let pos = this.pos;
    let key = this.key;
    let sequence = this.sent;
    let routed = 0;
    let bytes = 0;
    let n = 0;
    let ok = true;
    conn.cork();
    while (n < budget && bytes < TURN_BYTES) {
      stamp(slab, pos + stampAt[key]!, hi, lo, producer, sequence++, full);
      confirms?.published();
      routed += fans[key]!;
      const size = sizes[key]!;
      pos += size;
      bytes += size;
      key = key + 1 === keys ? 0 : key + 1;
      n++;
      if (pos === slab.length) {
        // The slab holds whole cycles, so the key is back at 0: a fresh slab starts in step.
        ok = slabs.write(slab.subarray(this.batchStart, pos)) && ok;
        slab = slabs.next();
        pos = this.batchStart = 0;
      }
    }
    if (pos > this.batchStart) ok = slabs.write(slab.subarray(this.batchStart, pos)) && ok;
    conn.uncork();
    this.pos = this.batchStart = pos;
    this.key = key;
    this.sent += n;
    this.c.published += n;
    this.c.routed += routed;
    return ok;
  }

  onConfirm(tag: number, multiple: boolean, ack: boolean): void {
    if (this.confirms === null) return;
    const settled = this.confirms.settle(tag, multiple);
    if (ack) this.c.confirmed += settled;
    else this.c.nacked += settled;
    this.confirmedInRead = true;
  }

  onReadEnd(): void {
    if (!this.confirmedInRead) return;
    this.confirmedInRead = false;
    this.c.lastConfirmAt = nowMs();
    if (this.waiting === "confirm") {
      this.waiting = "turn";
      setImmediate(this.pump);
    } else if (!this.publishing && this.unconfirmed === 0) this.settle();
  }

  onPause(paused: boolean): void {
    if (!paused && this.waiting === "pause") {
      this.waiting = "turn";
      setImmediate(this.pump);
    }
  }

  onDeliver(): void {}
  onContentHeader(): void {}
  onBody(): void {}
  onCancel(): void {}

  private finishPublishing(): void {
    this.publishing = false;
    this.waiting = null;
    if (this.unconfirmed === 0) this.settle();
  }

  private settle(): void {
    this.resolveDone?.();
    this.resolveDone = undefined;
  }
}

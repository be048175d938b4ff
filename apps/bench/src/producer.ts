/**
 * One producer on its own connection. It publishes one preallocated body, stamping the send time in
 * its first 8 bytes (amqplib copies the body into its frames, so reuse is safe), and respects
 * backpressure: when `publish` returns false it waits for the channel's 'drain'; with confirms it
 * keeps at most `confirm` messages unconfirmed. Nothing is buffered beyond amqplib's own channel
 * buffer, whatever the broker does.
 *
 * The loop publishes up to BATCH messages per turn of the event loop and then yields with
 * setImmediate, so the socket and (in the same process) consumers get to run.
 */
import type { Channel, ConfirmChannel, Options } from "amqplib";
import type { ClientSettings, Counters, ProducerPlan } from "./agent-messages.js";
import { nowMs, nowNs } from "./clock.js";

const BATCH = 200;

export class Producer {
  private readonly body: Buffer;
  private readonly props: Options.Publish;
  private readonly keys: readonly string[];
  private readonly fan: readonly number[];
  private next = 0;
  private sent = 0;
  private outstanding = 0;
  private startedAt = 0;
  private stopping = false;
  private publishing = false;
  private waiting: "drain" | "confirm" | "timer" | "turn" | null = null;
  private timer: NodeJS.Timeout | undefined;
  private resolveDone: (() => void) | undefined;
  /** Settles once publishing stopped and every confirm arrived. */
  readonly done: Promise<void>;

  constructor(
    private readonly ch: Channel | ConfirmChannel,
    private readonly plan: ProducerPlan,
    private readonly s: ClientSettings,
    private readonly c: Counters,
  ) {
    this.body = Buffer.alloc(s.size, 0x61);
    this.props = { persistent: s.persistent, contentType: "application/octet-stream" };
    this.keys = plan.target.keys;
    this.fan = plan.target.fan;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
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
    if (this.waiting === "drain") this.ch.removeListener("drain", this.pump);
    if (this.waiting === "timer") clearTimeout(this.timer);
    if (this.waiting === "drain" || this.waiting === "timer") this.finishPublishing();
  }

  private readonly pump = (): void => {
    this.waiting = null;
    const { rate, confirm } = this.s;
    let budget = BATCH;
    if (rate > 0) {
      const elapsed = nowMs() - this.startedAt;
      const due = Math.floor((elapsed / 1000) * rate) - this.sent;
      if (due <= 0 && !this.stopping) {
        this.waiting = "timer";
        this.timer = setTimeout(this.pump, Math.max(1, ((this.sent + 1) / rate) * 1000 - elapsed));
        return;
      }
      if (due < budget) budget = due;
    }
    const { ch, body, props, keys, fan, c } = this;
    const levels = this.s.priorityLevels;
    const exchange = this.plan.target.exchange;
    const limit = this.plan.messages;
    let ok = true;
    while (budget-- > 0) {
      if (this.stopping || this.sent >= limit) break;
      if (confirm > 0 && this.outstanding >= confirm) {
        c.lastPublishAt = nowMs();
        this.waiting = "confirm";
        return;
      }
      body.writeBigUInt64BE(nowNs(), 0);
      // amqplib encodes the properties during publish(): one object, its priority set per message.
      if (levels > 0) props.priority = this.sent % levels;
      const i = this.next;
      this.next = i + 1 === keys.length ? 0 : i + 1;
      if (confirm > 0) {
        this.outstanding++;
        ok = (ch as ConfirmChannel).publish(exchange, keys[i]!, body, props, this.onConfirm);
      } else {
        ok = ch.publish(exchange, keys[i]!, body, props);
      }
      this.sent++;
      c.published++;
      c.routed += fan[i]!;
      if (!ok) break;
    }
    c.lastPublishAt = nowMs();
    if (this.stopping || this.sent >= limit) return this.finishPublishing();
    if (!ok) {
      this.waiting = "drain";
      ch.once("drain", this.pump);
      return;
    }
    this.waiting = "turn";
    setImmediate(this.pump);
  };

  /** One function for every confirm: amqplib calls it with null for an ack, an Error for a nack. */
  private readonly onConfirm = (err: unknown): void => {
    this.outstanding--;
    if (err === null || err === undefined) this.c.confirmed++;
    else this.c.nacked++;
    this.c.lastConfirmAt = nowMs();
    if (this.waiting === "confirm") {
      this.waiting = "turn";
      setImmediate(this.pump);
    } else if (!this.publishing && this.outstanding === 0) this.settle();
  };

  private finishPublishing(): void {
    this.publishing = false;
    this.waiting = null;
    if (this.outstanding === 0) this.settle();
  }

  private settle(): void {
    this.resolveDone?.();
    this.resolveDone = undefined;
  }

  /** Unconfirmed messages, for the coordinator's message when confirms do not arrive. */
  get unconfirmed(): number {
    return this.outstanding;
  }
}

/**
 * A queue's consumers, in registration order, and who gets the next message: round-robin among
 * those with credit, or the queue's scheduler (single active consumer, consumer priorities:
 * consumer-scheduler.ts). A queue without either keeps the plain round-robin loop, with no call
 * through a scheduler per message.
 */
import type { Consumer } from "./consumer.js";
import { ByPriority, type ConsumerScheduler, singleActive } from "./consumer-scheduler.js";

export class ConsumerList {
  /** Registration order (the management API lists them so; single active consumer takes the first). */
  readonly list: Consumer[] = [];
  /** Where the round-robin goes on. */
  private next = 0;
  /** Single active consumer or consumer priorities; null: plain round-robin. */
  private scheduler: ConsumerScheduler | null;
  /** Set once a consumer came: an auto-delete queue goes when its last consumer leaves. */
  private hadConsumer = false;

  constructor(singleActiveConsumer: boolean) {
    this.scheduler = singleActiveConsumer ? singleActive : null;
  }

  get length(): number {
    return this.list.length;
  }

  /** x-single-active-consumer: one consumer at a time gets messages. */
  get singleActive(): boolean {
    return this.scheduler === singleActive;
  }

  /** One consumer, and it consumes exclusively. */
  get exclusive(): boolean {
    return this.list.length === 1 && this.list[0]!.exclusive;
  }

  /** The consumer to deliver the next message to; undefined when none has room. */
  pick(): Consumer | undefined {
    if (this.scheduler !== null) return this.scheduler.next(this.list);
    const consumers = this.list;
    const n = consumers.length;
    for (let i = 0; i < n; i++) {
      const c = consumers[(this.next + i) % n]!;
      if (c.hasCredit()) {
        this.next = (this.next + i + 1) % n;
        return c;
      }
    }
    return undefined;
  }

  add(consumer: Consumer): void {
    this.list.push(consumer);
    if (consumer.priority !== 0 && this.scheduler === null) this.scheduler = new ByPriority();
    this.hadConsumer = true;
  }

  /** Removes `consumer`; true when it was the single active one and another takes over. */
  remove(consumer: Consumer): boolean {
    const i = this.list.indexOf(consumer);
    if (i >= 0) this.list.splice(i, 1);
    if (this.next >= this.list.length) this.next = 0;
    return i === 0 && this.scheduler === singleActive && this.list.length > 0;
  }

  /** Consumers came and all have left (an auto-delete queue goes now). */
  get allLeft(): boolean {
    return this.hadConsumer && this.list.length === 0;
  }

  /** Every consumer is taken out (the queue is deleted); returns them. */
  takeAll(): Consumer[] {
    this.next = 0;
    return this.list.splice(0);
  }
}

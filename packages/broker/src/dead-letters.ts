/**
 * A vhost's dead-lettering: queues hand over what they drop (rejected, expired, over a length
 * limit, over a delivery limit) and it is routed through the dead-letter exchange after the
 * operation that dropped it (a microtask later): never inside another publish's routing or its
 * write to disk. At most once, as RabbitMQ's classic queues: no confirm on the way, and a missing
 * dead-letter exchange drops the message.
 */
import type { Exchange } from "./exchange/exchange.js";
import type { Message } from "./message.js";
import type { Queue } from "./queue/queue.js";
import { type DeadLetterSink, type DeathReason, deadLettered, isCycle } from "./queue/dead-letter.js";

/** Dead-lettered and dropped messages, by reason (metrics). */
export class DeadLetterCounters {
  /** Classic queues, per reason: dead-lettered (a dead-letter exchange is set: at most once) or dropped (none: disabled). */
  readonly classic = { at_most_once: zero(), disabled: zero() };
  /** Quorum queues, the same. */
  readonly quorum = { at_most_once: zero(), disabled: zero() };
  /** Dead-lettered messages that reached no queue (a missing exchange, no binding, a cycle), per reason. */
  readonly unrouted = zero();
}

function zero(): Record<DeathReason, number> {
  return { rejected: 0, expired: 0, maxlen: 0, delivery_limit: 0 };
}

interface Pending {
  message: Message;
  reason: DeathReason;
  queue: string;
  exchange: string;
  routingKey: string | null;
  quorum: boolean;
}

/** How the vhost routes and enqueues (through the message store when the broker has one). */
export interface DeadLetterRouting {
  exchange(name: string): Exchange | undefined;
  route(exchange: Exchange, message: Message, out: Queue[]): Queue[];
  publish(message: Message, queues: Queue[]): void;
}

export class DeadLetters implements DeadLetterSink {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly flush = (): void => this.run();

  constructor(
    private readonly routing: DeadLetterRouting,
    readonly counters: DeadLetterCounters,
  ) {}

  /** A queue without a dead-letter exchange dropped a message. */
  dropped(reason: DeathReason, quorum: boolean): void {
    (quorum ? this.counters.quorum : this.counters.classic).disabled[reason]++;
  }

  deadLetter(message: Message, reason: DeathReason, queue: string, exchange: string, routingKey: string | null, quorum: boolean): void {
    (quorum ? this.counters.quorum : this.counters.classic).at_most_once[reason]++;
    this.pending.push({ message, reason, queue, exchange, routingKey, quorum });
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  private run(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    const targets: Queue[] = [];
    for (const p of batch) {
      const x = this.routing.exchange(p.exchange);
      if (x === undefined) {
        this.counters.unrouted[p.reason]++;
        continue;
      }
      const m = deadLettered(p.message, p.reason, p.queue, p.exchange, p.routingKey, p.quorum);
      this.routing.route(x, m, targets);
      let k = 0;
      for (const q of targets) if (!isCycle(m, p.reason, q.name)) targets[k++] = q;
      targets.length = k;
      if (k === 0) this.counters.unrouted[p.reason]++;
      else {
        try {
          this.routing.publish(m, targets);
        } catch {
          // the broker is stopping (its store closed): at most once, the copy is lost
          this.counters.unrouted[p.reason]++;
        }
      }
    }
  }
}

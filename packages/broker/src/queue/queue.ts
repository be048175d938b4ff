/**
 * A queue: ready messages in arrival order, consumers served round-robin as their prefetch allows.
 * Delivery is driven by credit, with no timers: a publish, an ack, a new consumer or a drained
 * socket each call `drain()`, which delivers as long as a consumer has room.
 *
 * The queue arguments (arguments.ts: TTL, dead-lettering, length limits, x-expires, priorities,
 * single active consumer, quorum delivery limits) hook into enqueue/drain/fetch/settle/requeue; a
 * queue without any (and its messages without `expiration`) takes none of those branches: one
 * test of `special` per message (queue-arguments.ts holds the rest).
 */
import type { FieldTable } from "@amqp-go/protocol";
import { type QueueArguments, queueArguments } from "./arguments.js";
import type { DeadLetterSink, DeathReason } from "./dead-letter.js";
import { deadlineOf } from "./expiry.js";
import { HeadExpiry } from "./head-expiry.js";
import { IdleExpiry } from "./idle-expiry.js";
import { withDeliveryCount } from "./delivery-count.js";
import type { SegmentPosition } from "@amqp-go/storage";
import type { Destination } from "../exchange/exchange.js";
import type { MemoryMonitor } from "../memory.js";
import type { Message } from "../message.js";
import type { PublishTarget } from "../store/message-store.js";
import type { QueueStore } from "../store/queue-store.js";
import type { Backlog, BacklogOwner, StoredBacklog } from "./backlog.js";
import type { Consumer } from "./consumer.js";
import { ByPriority, type ConsumerScheduler, singleActive } from "./consumer-scheduler.js";
import { type FlowLimits, type FlowPublisher, NO_FLOW_LIMITS, QueueFlow } from "./flow.js";
import { MemoryBacklog } from "./memory-backlog.js";
import { PriorityBacklog } from "./priority-backlog.js";
import { QueueStats } from "../stats.js";
import type { Policy, PolicyDefinition } from "../policy/policy.js";

export interface QueueEntry {
  /** Replaced only by a quorum queue's redelivery (its x-delivery-count header). */
  message: Message;
  /** `message.size`: octets counted against the memory watermark (and the backlog's budget). */
  readonly size: number;
  /** Arrival order in this queue: requeued messages go back to their place. */
  readonly seq: number;
  redelivered: boolean;
  /** Where a durable queue keeps it on disk; null in a queue that does not survive a restart. */
  readonly position: SegmentPosition | null;
  /** When it expires (ms since the epoch, at the head of the queue); 0: never. */
  readonly expires: number;
  /** Quorum queues: how many times it came back (x-delivery-count). */
  deliveries: number;
}

export interface QueueOptions {
  readonly durable: boolean;
  readonly exclusive: boolean;
  readonly autoDelete: boolean;
  readonly arguments: FieldTable;
}

export class Queue implements Destination, BacklogOwner, PublishTarget {
  readonly kind = "queue" as const;
  routeMark = 0;
  /** The connection an exclusive queue belongs to. */
  readonly owner: object | null;
  readonly consumers: Consumer[] = [];
  /** Message counters for the management API (stats.ts). */
  readonly stats = new QueueStats();
  /** Deliveries (to consumers or basic.get) not yet acknowledged. */
  unacked = 0;
  /** Their octets, as counted in `bytes`. */
  private unackedBytes = 0;
  deleted = false;
  /** Set once a consumer came: an auto-delete queue goes when its last consumer leaves. */
  private hadConsumer = false;
  private ready: Backlog;
  /** The queue's files, when it is durable and the broker has a data directory. */
  store: QueueStore | null = null;
  private disk: StoredBacklog | null = null;
  /** The store id read from the definitions, until recovery attaches the store. */
  storeId = 0;
  private nextSeq = 0;
  private next = 0;
  /** basic.get calls waiting for messages being read from disk. */
  private getters: (() => void)[] = [];
  private draining = false;
  /** Single active consumer or consumer priorities; null: plain round-robin (consumer-scheduler.ts). */
  private scheduler: ConsumerScheduler | null;
  /** The publishers this queue holds back (credit flow). */
  private readonly flow: QueueFlow;
  /** The effective arguments: the declare's, under the queue's policy if it has one (`applyArguments`). */
  args: QueueArguments;
  /** The arguments from the declare alone, before any policy. */
  readonly ownArgs: QueueArguments;
  /** The policy that applies, as the vhost chose it (null: none). */
  policy: Policy | null = null;
  /** The operator policy that applies (null: none). */
  operatorPolicy: Policy | null = null;
  /** Their definitions merged (RabbitMQ's effective_policy_definition); null: no policy applies. */
  policyDefinition: PolicyDefinition | null = null;
  /** No TTL, no length limit, no delivery count: publishes may skip `admit`. */
  plain: boolean;
  /**
   * Messages may expire or the length is limited: the per-message branches are taken. Set at
   * declare for such arguments, and for good once a message with `expiration` arrives.
   */
  private special: boolean;
  /** Body octets of the ready messages (x-max-length-bytes; kept for every queue: a policy may set a limit). */
  private readyBody = 0;
  /** While a publish's own drain runs: its arrival time, the "now" its deliveries are judged by (0: none). */
  private arrivalClock = 0;
  /** The expiry timer for the head, and the TTL history a policy writes. */
  private readonly expiry: HeadExpiry;
  /** x-expires; null without. */
  private idle: IdleExpiry | null = null;
  private onIdleExpired: (() => void) | null = null;
  /** Where dropped messages go (the vhost's dead-lettering); null: dropped. */
  deadLetters: DeadLetterSink | null = null;

  constructor(
    readonly name: string,
    readonly vhost: string,
    readonly options: QueueOptions,
    owner: object | null,
    private readonly memory: MemoryMonitor,
    flowLimits: FlowLimits = NO_FLOW_LIMITS,
    /** Default: validated from `options.arguments`. */
    args: QueueArguments = queueArguments({ name, vhost, ...options }),
    /** The declare's own arguments, when `args` has a policy's settings in them. */
    ownArgs: QueueArguments = args,
  ) {
    this.owner = options.exclusive ? owner : null;
    this.flow = new QueueFlow(flowLimits);
    this.args = args;
    this.expiry = new HeadExpiry(args.messageTtl, () => this.drain());
    this.ownArgs = ownArgs;
    this.plain = args.plain;
    this.special = !args.plain;
    this.scheduler = args.singleActiveConsumer ? singleActive : null;
    this.maxPriority = args.maxPriority;
    this.ready = this.maxPriority > 0 ? new PriorityBacklog(this, this.maxPriority) : new MemoryBacklog(this);
  }

  /** x-expires: starts the idle timer; `onExpired` deletes the queue. */
  expireWhenUnused(onExpired: () => void): void {
    this.onIdleExpired = onExpired;
    if (this.args.expires > 0) this.idle = new IdleExpiry(this.args.expires, () => this.consumers.length > 0, onExpired);
  }

  /**
   * New effective arguments (a policy was set, changed or cleared), in force at once as in
   * RabbitMQ: the x-expires timer starts over with the new value, length limits drop (or refuse)
   * at once, dead-lettering goes where the new arguments say. Messages already in the queue keep
   * the deadline they got when they arrived; expiry still happens at the head.
   */
  applyArguments(next: QueueArguments): void {
    if (this.deleted) return;
    const before = this.args;
    this.args = next;
    this.plain = next.plain;
    if (!next.plain) this.special = true;
    if (next.messageTtl !== before.messageTtl) {
      this.expiry.ttlChanged(this.store !== null ? this.store.nextSeq : this.nextSeq, next.messageTtl);
    }
    if (next.expires !== before.expires) {
      this.idle?.stop();
      this.idle = null;
      if (next.expires > 0 && this.onIdleExpired !== null) this.idle = new IdleExpiry(next.expires, () => this.consumers.length > 0, this.onIdleExpired);
    }
    this.drain();
  }

  /** The queue was used (declared, basic.get, a consumer came or went): x-expires starts over. */
  touch(): void {
    this.idle?.touch();
  }

  /** x-max-priority (0: none): messages go out highest priority first (priority-backlog.ts). */
  readonly maxPriority: number;

  /** x-single-active-consumer: one consumer at a time gets messages. */
  get singleActive(): boolean {
    return this.scheduler === singleActive;
  }

  /** Message octets held by this queue, ready and unacknowledged, as counted for the memory alarm. */
  bytes = 0;

  /** Makes the queue keep its messages on disk, in `store`, through `backlog` (holding `readyBody` body octets, recovered). */
  attachStore(store: QueueStore, backlog: Backlog & StoredBacklog, readyBody = 0): void {
    this.readyBody = readyBody;
    this.store = store;
    this.storeId = store.id;
    this.disk = backlog;
    this.ready = backlog;
  }

  /** @internal BacklogOwner */
  get memoryAlarmed(): boolean {
    return this.memory.alarmed;
  }

  /** @internal BacklogOwner */
  hold(n: number): void {
    this.bytes += n;
    this.memory.add(n);
  }

  /** @internal BacklogOwner */
  release(n: number): void {
    this.bytes -= n;
    this.memory.sub(n);
    if (this.flow.waiters > 0) this.flow.settled(this, this.readyBytes, this.consumers.length);
  }

  /**
   * Octets of ready messages (held minus delivered and unacknowledged): what credit flow bounds.
   * Deliveries awaiting acks are bounded by the consumers' prefetch, and by the memory alarm.
   */
  get readyBytes(): number {
    return this.bytes - this.unackedBytes;
  }

  /** Over its flow mark: a publish to it holds back the publishing connection (see flow.ts). */
  get overFlowMark(): boolean {
    return this.bytes - this.unackedBytes > this.flow.mark(this.consumers.length);
  }

  /**
   * `publisher` published to this queue while it was over its flow mark: it waits until the queue
   * is back under half the mark. False when it waits already, or when it consumes from this
   * queue: its acks are what would bring the queue down, and they come on the socket it would stop.
   */
  holdBack(publisher: FlowPublisher): boolean {
    for (const c of this.consumers) if (c.sink.publisher === publisher) return false;
    return this.flow.hold(publisher);
  }

  /** The publisher's connection closed: it waits for nothing. */
  forgetPublisher(publisher: FlowPublisher): void {
    this.flow.forget(publisher);
  }

  /** Publishers held back by this queue. */
  get heldBack(): number {
    return this.flow.waiters;
  }

  get messageCount(): number {
    return this.ready.length;
  }

  get consumerCount(): number {
    return this.consumers.length;
  }

  get exclusiveConsumer(): boolean {
    return this.consumers.length === 1 && this.consumers[0]!.exclusive;
  }

  /**
   * A routed message (through `MessageStore.publish` when the broker has a store: `position` says
   * where this queue's segments keep it): delivered at once if a consumer has room, else kept. Either way it is held
   * (until acked, or until consumed), so a message other than one to a no-ack consumer is compacted
   * and does not pin the socket buffer it arrived in.
   */
  enqueue(message: Message, position: SegmentPosition | null): void {
    if (this.special || message.ttl >= 0) return this.enqueueSpecial(message, position);
    this.hold(message.size);
    this.stats.publish++;
    this.readyBody += message.body.length;
    const seq = position === null ? this.nextSeq++ : position.seq;
    this.ready.push({ message, size: message.size, seq, redelivered: false, position, expires: 0, deliveries: 0 });
    if (this.consumers.length > 0) this.drain();
    this.ready.last()?.message.compact();
  }

  /** enqueue with a deadline, length limits: delivered if a consumer has room, then the limits applied. */
  private enqueueSpecial(message: Message, position: SegmentPosition | null): void {
    this.special = true;
    this.hold(message.size);
    this.stats.publish++;
    const seq = position === null ? this.nextSeq++ : position.seq;
    const expires = deadlineOf(message, this.args.messageTtl);
    this.readyBody += message.body.length;
    this.ready.push({ message, size: message.size, seq, redelivered: false, position, expires, deliveries: 0 });
    if (this.consumers.length > 0) {
      // The deliveries of this publish are judged at its arrival: a TTL 0 message goes to a
      // consumer with room even when the clock ticked since its deadline was set.
      this.arrivalClock = message.arrivedAt;
      this.drain();
      this.arrivalClock = 0;
    }
    this.ready.last()?.message.compact();
    this.applyLimits();
    // TTL 0: delivered now or dropped
    this.expireHead(Date.now());
  }

  /** @internal BacklogOwner: the deadline of a message read back from disk. */
  deadline(message: Message, seq: number): number {
    const d = this.expiry.deadline(message, seq, this.args.messageTtl);
    if (d !== 0) this.special = true;
    return d;
  }

  /**
   * reject-publish overflow: whether this queue refuses `message` (full); with
   * reject-publish-dlx it is dead-lettered too (reason maxlen). False for drop-head.
   */
  refuses(message: Message): boolean {
    const a = this.args;
    if (a.overflow === "drop-head") return false;
    const full = (a.maxLength >= 0 && this.ready.length + 1 > a.maxLength) || (a.maxLengthBytes >= 0 && this.readyBody + message.body.length > a.maxLengthBytes);
    if (full && a.overflow === "reject-publish-dlx") this.deadLetter(message, "maxlen");
    return full;
  }

  /** drop-head: while over x-max-length or x-max-length-bytes, the oldest goes (reason maxlen). */
  private applyLimits(): void {
    const a = this.args;
    if (a.maxLength < 0 && a.maxLengthBytes < 0) return;
    if (a.overflow !== "drop-head") return;
    while ((a.maxLength >= 0 && this.ready.length > a.maxLength) || (a.maxLengthBytes >= 0 && this.readyBody > a.maxLengthBytes)) {
      const e = this.ready.shift();
      if (e === undefined) return; // on disk: applied again once it is read in
      this.drop(e, "maxlen");
    }
  }

  /** Expired messages at the head go (reason expired); the timer is armed for the next deadline. */
  private expireHead(now: number): void {
    for (;;) {
      const head = this.ready.peek();
      if (head === undefined || head.expires === 0) return;
      if (head.expires > now) return this.expiry.arm(head.expires);
      const e = this.ready.shift();
      if (e === undefined) return;
      this.drop(e, "expired");
    }
  }

  /** A ready message leaves the queue without a delivery: dead-lettered or dropped. */
  private drop(entry: QueueEntry, reason: DeathReason): void {
    this.readyBody -= entry.message.body.length;
    this.consumed(entry);
    this.deadLetter(entry.message, reason);
  }

  private deadLetter(message: Message, reason: DeathReason): void {
    const a = this.args;
    const quorum = a.type === "quorum";
    if (a.deadLetterExchange === null) this.deadLetters?.dropped(reason, quorum);
    else this.deadLetters?.deadLetter(message, reason, this.name, a.deadLetterExchange, a.deadLetterRoutingKey, quorum);
  }

  /**
   * The next ready entry for a delivery, for a queue with special arguments: expired ones are
   * dropped on the way, a quorum queue's redelivery gets its x-delivery-count header.
   */
  private shiftSpecial(): QueueEntry | undefined {
    const now = this.arrivalClock !== 0 ? this.arrivalClock : Date.now();
    for (;;) {
      const e = this.ready.shift();
      if (e === undefined) return undefined;
      if (e.expires !== 0 && e.expires < now) {
        this.drop(e, "expired");
        continue;
      }
      this.readyBody -= e.message.body.length;
      if (e.deliveries > 0) e.message = withDeliveryCount(e.message, e.deliveries);
      return e;
    }
  }

  private shiftPlain(): QueueEntry | undefined {
    const e = this.ready.shift();
    if (e !== undefined) this.readyBody -= e.message.body.length;
    return e;
  }

  /** Delivers to consumers with credit, round-robin, until none has room or nothing is ready. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    const consumers = this.consumers;
    const scheduler = this.scheduler;
    const special = this.special;
    if (special) {
      this.applyLimits();
      this.expireHead((this.arrivalClock !== 0 ? this.arrivalClock : Date.now()) - 1);
    }
    while (this.ready.length > 0) {
      const n = consumers.length;
      let consumer: Consumer | undefined;
      if (scheduler !== null) consumer = scheduler.next(consumers);
      else for (let i = 0; i < n; i++) {
        const c = consumers[(this.next + i) % n]!;
        if (c.hasCredit()) {
          consumer = c;
          this.next = (this.next + i + 1) % n;
          break;
        }
      }
      if (consumer === undefined) break;
      const entry = special ? this.shiftSpecial() : this.shiftPlain();
      if (entry === undefined) break; // the next ones are being read from disk
      if (consumer.noAck) this.consumed(entry);
      else {
        consumer.unacked++;
        this.unacked++;
        this.unackedBytes += entry.size;
        // It stays until acked: it must not pin the socket buffer it arrived in.
        entry.message.compact();
      }
      consumer.sink.deliver(consumer, entry);
    }
    this.draining = false;
    if (this.flow.waiters > 0) this.flow.settled(this, this.readyBytes, consumers.length);
    if (this.getters.length > 0) {
      const getters = this.getters;
      this.getters = [];
      for (const g of getters) g();
    }
  }

  /** Calls `fn` at the next drain (after messages were read in from disk, or published). */
  afterRead(fn: () => void): void {
    this.getters.push(fn);
  }

  /** basic.get: the next ready message; counted unacknowledged unless `noAck`. */
  fetch(noAck: boolean): QueueEntry | undefined {
    this.idle?.touch();
    const entry = this.special ? this.shiftSpecial() : this.shiftPlain();
    if (entry === undefined) return undefined;
    if (noAck) this.consumed(entry);
    else {
      this.unacked++;
      this.unackedBytes += entry.size;
      entry.message.compact();
    }
    return entry;
  }

  /** Delivered with no ack expected: gone from the queue, and from its disk. */
  private consumed(entry: QueueEntry): void {
    this.release(entry.size);
    if (entry.position !== null) this.store?.ack(entry.position);
  }

  /** An acknowledged (or rejected without requeue) delivery leaves the queue for good. */
  settle(entry: QueueEntry, consumer: Consumer | null): void {
    this.unacked--;
    this.unackedBytes -= entry.size;
    if (consumer !== null) consumer.unacked--;
    this.release(entry.size);
    if (entry.position !== null) this.store?.ack(entry.position);
  }

  /** basic.reject / nack without requeue: settled, and dead-lettered (reason rejected) when the queue says so. */
  reject(entry: QueueEntry, consumer: Consumer | null): void {
    this.settle(entry, consumer);
    this.deadLetter(entry.message, "rejected");
  }

  /**
   * A delivery comes back (nack/reject with requeue, recover, channel closed): it goes back to its
   * place by arrival order, marked redelivered. Call `drain()` after a batch.
   */
  requeue(entry: QueueEntry, consumer: Consumer | null): void {
    this.unacked--;
    this.unackedBytes -= entry.size;
    if (consumer !== null) consumer.unacked--;
    if (this.deleted) {
      this.release(entry.size);
      return;
    }
    if (this.special) return this.requeueSpecial(entry);
    entry.redelivered = true;
    this.readyBody += entry.message.body.length;
    this.ready.requeue(entry);
  }

  /** A quorum queue counts the return (x-delivery-limit dead-letters past it); the length limit applies. */
  private requeueSpecial(entry: QueueEntry): void {
    const a = this.args;
    if (a.type === "quorum") {
      entry.deliveries++;
      if (a.deliveryLimit >= 0 && entry.deliveries > a.deliveryLimit) {
        this.consumed(entry);
        this.deadLetter(entry.message, "delivery_limit");
        return;
      }
    }
    entry.redelivered = true;
    this.readyBody += entry.message.body.length;
    this.ready.requeue(entry);
    this.applyLimits();
  }

  addConsumer(consumer: Consumer): void {
    this.idle?.touch();
    this.consumers.push(consumer);
    if (consumer.priority !== 0 && this.scheduler === null) this.scheduler = new ByPriority();
    this.hadConsumer = true;
    this.drain();
  }

  /** Removes a consumer; true when the queue is auto-delete and just lost its last one. */
  removeConsumer(consumer: Consumer): boolean {
    this.idle?.touch();
    const i = this.consumers.indexOf(consumer);
    if (i >= 0) this.consumers.splice(i, 1);
    if (this.next >= this.consumers.length) this.next = 0;
    // the next single active consumer takes over
    if (i === 0 && this.scheduler === singleActive && this.consumers.length > 0) this.drain();
    // without consumers the mark is higher: publishers may go on
    if (this.flow.waiters > 0) this.flow.settled(this, this.readyBytes, this.consumers.length);
    return this.options.autoDelete && this.hadConsumer && this.consumers.length === 0;
  }

  /** Drops the ready messages; returns how many. */
  purge(): number {
    this.readyBody = 0;
    return this.ready.purge();
  }

  /** The backlog over the queue's files (paging out, a clean stop); null when it has none. */
  get diskBacklog(): StoredBacklog | null {
    return this.disk;
  }

  /** The broker stops: no timer of this queue fires any more (expiry, x-expires). */
  stopTimers(): void {
    this.idle?.stop();
    this.expiry.stop();
    this.special = false;
  }

  /** The queue is deleted: consumers are told, ready messages dropped; returns how many. */
  delete(): number {
    this.deleted = true;
    this.stopTimers();
    const n = this.purge();
    for (const c of this.consumers.splice(0)) c.sink.cancelledByServer(c);
    for (const g of this.getters.splice(0)) g(); // they answer get-empty now
    this.flow.releaseAll(this);
    return n;
  }
}

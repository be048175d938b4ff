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
import { type QueueArguments, queueArguments } from "./arguments.js";
import type { DeadLetterSink } from "./dead-letter.js";
import { type DeadLetterQueue, DeadLettering } from "./dead-lettering.js";
import { deadlineOf } from "./expiry.js";
import { HeadExpiry } from "./head-expiry.js";
import { IdleExpiry } from "./idle-expiry.js";
import { withDeliveryCount } from "./delivery-count.js";
import type { QueueStore, SegmentPosition } from "@amqp-go/storage";
import type { Destination } from "../exchange/exchange.js";
import type { MemoryMonitor } from "../memory.js";
import type { Message } from "../message.js";
import type { PublishTarget } from "../store/message-store.js";
import type { Backlog, BacklogOwner, StoredBacklog } from "./backlog.js";
import type { QueueEntry, QueueOptions } from "./queue-entry.js";
import { ReadyMessages } from "./ready.js";
import type { Consumer } from "./consumer.js";
import { ConsumerList } from "./consumer-list.js";
import { type FlowLimits, NO_FLOW_LIMITS, QueueFlow } from "./flow.js";
import { MemoryBacklog } from "./memory-backlog.js";
import { PriorityBacklog } from "./priority-backlog.js";
import { QueueStats } from "../stats.js";
import type { Policy, PolicyDefinition } from "../policy/policy.js";

export class Queue implements Destination, BacklogOwner, PublishTarget, DeadLetterQueue {
  readonly kind = "queue" as const;
  routeMark = 0;
  /** The connection an exclusive queue belongs to. */
  readonly owner: object | null;
  /** Who gets the next message (consumer-list.ts). */
  private readonly subscribed: ConsumerList;
  /** The consumers, in registration order. */
  readonly consumers: Consumer[];
  /** Message counters for the management API (stats.ts). */
  readonly stats = new QueueStats();
  /** Deliveries (to consumers or basic.get) not yet acknowledged. */
  unacked = 0;
  deleted = false;
  /** The ready messages and their body octets (ready.ts). */
  private readonly ready: ReadyMessages;
  /** The queue's files, when it is durable and the broker has a data directory. */
  store: QueueStore | null = null;
  private disk: StoredBacklog | null = null;
  /** The store id read from the definitions, until recovery attaches the store. */
  storeId = 0;
  private nextSeq = 0;
  /** basic.get calls waiting for messages being read from disk. */
  private getters: (() => void)[] = [];
  private draining = false;
  /** The octets this queue holds and the publishers it holds back (credit flow, flow.ts). */
  readonly flow: QueueFlow;
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
  /** While a publish's own drain runs: its arrival time, the "now" its deliveries are judged by (0: none). */
  private arrivalClock = 0;
  /** The expiry timer for the head, and the TTL history a policy writes. */
  private readonly expiry: HeadExpiry;
  /** x-expires (idle-expiry.ts). */
  private readonly idle = new IdleExpiry(() => this.consumers.length > 0);
  /** Where dropped messages go (the vhost's dead-lettering); null: dropped. */
  deadLetters: DeadLetterSink | null = null;
  /** TTL expiry, length limits, delivery limits: messages that leave without a delivery (dead-lettering.ts). */
  private readonly dead: DeadLettering;

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
    this.subscribed = new ConsumerList(args.singleActiveConsumer);
    this.consumers = this.subscribed.list;
    this.flow = new QueueFlow(flowLimits, name, this.consumers);
    this.args = args;
    this.expiry = new HeadExpiry(args.messageTtl, () => this.drain());
    this.ownArgs = ownArgs;
    this.plain = args.plain;
    this.special = !args.plain;
    this.maxPriority = args.maxPriority;
    this.ready = new ReadyMessages(this.maxPriority > 0 ? new PriorityBacklog(this, this.maxPriority) : new MemoryBacklog(this));
    this.dead = new DeadLettering(this, this.ready, this.expiry);
  }

  /** x-expires: starts the idle timer; `onExpired` deletes the queue. */
  expireWhenUnused(onExpired: () => void): void {
    this.idle.start(this.args.expires, onExpired);
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
    if (next.expires !== before.expires) this.idle.change(next.expires);
    this.drain();
  }

  /** The queue was used (declared, basic.get, a consumer came or went): x-expires starts over. */
  touch(): void {
    this.idle.touch();
  }

  /** x-max-priority (0: none): messages go out highest priority first (priority-backlog.ts). */
  readonly maxPriority: number;

  /** x-single-active-consumer: one consumer at a time gets messages. */
  get singleActive(): boolean {
    return this.subscribed.singleActive;
  }

  /** Message octets held by this queue, ready and unacknowledged, as counted for the memory alarm. */
  get bytes(): number {
    return this.flow.bytes;
  }

  /** Makes the queue keep its messages on disk, in `store`, through `backlog` (holding `readyBody` body octets, recovered). */
  attachStore(store: QueueStore, backlog: Backlog & StoredBacklog, readyBody = 0): void {
    this.store = store;
    this.storeId = store.id;
    this.disk = backlog;
    this.ready.attach(backlog, readyBody);
  }

  /** @internal BacklogOwner */
  get memoryAlarmed(): boolean {
    return this.memory.alarmed;
  }

  /** @internal BacklogOwner */
  hold(n: number): void {
    this.flow.bytes += n;
    this.memory.add(n);
  }

  /** @internal BacklogOwner */
  release(n: number): void {
    this.flow.bytes -= n;
    this.memory.sub(n);
    if (this.flow.waiters > 0) this.flow.queueSettled();
  }

  /** Octets of ready messages (held minus delivered and unacknowledged): what credit flow bounds. */
  get readyBytes(): number {
    return this.flow.readyBytes;
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
    return this.subscribed.exclusive;
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
    this.ready.push({ message, size: message.size, seq, redelivered: false, position, expires, deliveries: 0 });
    if (this.consumers.length > 0) {
      // The deliveries of this publish are judged at its arrival: a TTL 0 message goes to a
      // consumer with room even when the clock ticked since its deadline was set.
      this.arrivalClock = message.arrivedAt;
      this.drain();
      this.arrivalClock = 0;
    }
    this.ready.last()?.message.compact();
    // TTL 0: delivered now or dropped
    this.dead.enforce(Date.now());
  }

  /** @internal BacklogOwner: the deadline of a message read back from disk. */
  deadline(message: Message, seq: number): number {
    const d = this.expiry.deadline(message, seq, this.args.messageTtl);
    if (d !== 0) this.special = true;
    return d;
  }

  /** reject-publish(-dlx) overflow: whether this queue refuses `message` (admission.ts asks). */
  refuses(message: Message): boolean {
    return this.dead.refuses(message);
  }

  /**
   * The next ready entry for a delivery, for a queue with special arguments: expired ones are
   * dropped on the way, a quorum queue's redelivery gets its x-delivery-count header.
   */
  private shiftSpecial(): QueueEntry | undefined {
    const e = this.dead.shiftLive(this.arrivalClock !== 0 ? this.arrivalClock : Date.now());
    if (e !== undefined && e.deliveries > 0) e.message = withDeliveryCount(e.message, e.deliveries);
    return e;
  }

  /** Delivers to consumers with credit, round-robin, until none has room or nothing is ready. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    const consumers = this.subscribed;
    const special = this.special;
    if (special) this.dead.enforce((this.arrivalClock !== 0 ? this.arrivalClock : Date.now()) - 1);
    while (this.ready.length > 0) {
      const consumer = consumers.pick();
      if (consumer === undefined) break;
      const entry = special ? this.shiftSpecial() : this.ready.shift();
      if (entry === undefined) break; // the next ones are being read from disk
      if (consumer.noAck) this.consumed(entry);
      else {
        consumer.unacked++;
        this.awaitAck(entry);
      }
      consumer.sink.deliver(consumer, entry);
    }
    this.draining = false;
    if (this.flow.waiters > 0) this.flow.queueSettled();
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
    this.idle.touch();
    const entry = this.special ? this.shiftSpecial() : this.ready.shift();
    if (entry === undefined) return undefined;
    if (noAck) this.consumed(entry);
    else this.awaitAck(entry);
    return entry;
  }

  /** A delivery that waits for its ack: it stays, and must not pin the socket buffer it arrived in. */
  private awaitAck(entry: QueueEntry): void {
    this.unacked++;
    this.flow.unackedBytes += entry.size;
    entry.message.compact();
  }

  /** A delivery awaiting its ack was acked, rejected or came back. */
  private answered(entry: QueueEntry, consumer: Consumer | null): void {
    this.unacked--;
    this.flow.unackedBytes -= entry.size;
    if (consumer !== null) consumer.unacked--;
  }

  /** @internal DeadLetterQueue. Delivered with no ack expected, or dropped: gone from the queue, and from its disk. */
  consumed(entry: QueueEntry): void {
    this.release(entry.size);
    if (entry.position !== null) this.store?.ack(entry.position);
  }

  /** An acknowledged (or rejected without requeue) delivery leaves the queue for good. */
  settle(entry: QueueEntry, consumer: Consumer | null): void {
    this.answered(entry, consumer);
    this.consumed(entry);
  }

  /** basic.reject / nack without requeue: settled, and dead-lettered (reason rejected) when the queue says so. */
  reject(entry: QueueEntry, consumer: Consumer | null): void {
    this.settle(entry, consumer);
    this.dead.deadLetter(entry.message, "rejected");
  }

  /**
   * A delivery comes back (nack/reject with requeue, recover, channel closed): it goes back to its
   * place by arrival order, marked redelivered. Call `drain()` after a batch.
   */
  requeue(entry: QueueEntry, consumer: Consumer | null): void {
    this.answered(entry, consumer);
    if (this.deleted) {
      this.release(entry.size);
      return;
    }
    if (this.special && this.dead.overDeliveryLimit(entry)) return;
    entry.redelivered = true;
    this.ready.requeue(entry);
    if (this.special) this.dead.applyLimits();
  }

  addConsumer(consumer: Consumer): void {
    this.idle.touch();
    this.subscribed.add(consumer);
    this.drain();
  }

  /** Removes a consumer; true when the queue is auto-delete and just lost its last one. */
  removeConsumer(consumer: Consumer): boolean {
    this.idle.touch();
    // the next single active consumer takes over
    if (this.subscribed.remove(consumer)) this.drain();
    // without consumers the mark is higher: publishers may go on
    if (this.flow.waiters > 0) this.flow.queueSettled();
    return this.options.autoDelete && this.subscribed.allLeft;
  }

  /** Drops the ready messages; returns how many. */
  purge(): number {
    return this.ready.purge();
  }

  /** The backlog over the queue's files (paging out, a clean stop); null when it has none. */
  get diskBacklog(): StoredBacklog | null {
    return this.disk;
  }

  /** The broker stops: no timer of this queue fires any more (expiry, x-expires). */
  stopTimers(): void {
    this.idle.stop();
    this.expiry.stop();
    this.special = false;
  }

  /** The queue is deleted: consumers are told, ready messages dropped; returns how many. */
  delete(): number {
    this.deleted = true;
    this.stopTimers();
    const n = this.purge();
    for (const c of this.subscribed.takeAll()) c.sink.cancelledByServer(c);
    for (const g of this.getters.splice(0)) g(); // they answer get-empty now
    this.flow.releaseAll(this.flow);
    return n;
  }
}

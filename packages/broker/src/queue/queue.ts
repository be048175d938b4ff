/**
 * A queue: ready messages in arrival order, consumers served round-robin as their prefetch allows.
 * Delivery is driven by credit, with no timers: a publish, an ack, a new consumer or a drained
 * socket each call `drain()`, which delivers as long as a consumer has room.
 *
 * Designed for the queue arguments to come (TTL, dead-lettering, max-length, priorities, single
 * active consumer): entries carry a sequence number and a redelivered flag; every path in and out
 * goes through enqueue/fetch/settle/requeue/purge, where those policies hook in.
 */
import type { FieldTable } from "@amqp-go/protocol";
import type { SegmentPosition } from "@amqp-go/storage";
import type { Destination } from "../exchange/exchange.js";
import type { MemoryMonitor } from "../memory.js";
import type { Message } from "../message.js";
import type { PublishTarget } from "../store/message-store.js";
import type { QueueStore } from "../store/queue-store.js";
import type { Backlog, BacklogOwner, StoredBacklog } from "./backlog.js";
import type { Consumer } from "./consumer.js";
import { maxPriority, singleActiveConsumer } from "./consumer-arguments.js";
import { ByPriority, type ConsumerScheduler, singleActive } from "./consumer-scheduler.js";
import { type FlowLimits, type FlowPublisher, NO_FLOW_LIMITS, QueueFlow } from "./flow.js";
import { MemoryBacklog } from "./memory-backlog.js";
import { PriorityBacklog } from "./priority-backlog.js";
import { QueueStats } from "../stats.js";

export interface QueueEntry {
  readonly message: Message;
  /** `message.size`: octets counted against the memory watermark (and the backlog's budget). */
  readonly size: number;
  /** Arrival order in this queue: requeued messages go back to their place. */
  readonly seq: number;
  redelivered: boolean;
  /** Where a durable queue keeps it on disk; null in a queue that does not survive a restart. */
  readonly position: SegmentPosition | null;
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

  constructor(
    readonly name: string,
    readonly vhost: string,
    readonly options: QueueOptions,
    owner: object | null,
    private readonly memory: MemoryMonitor,
    flowLimits: FlowLimits = NO_FLOW_LIMITS,
  ) {
    this.owner = options.exclusive ? owner : null;
    this.flow = new QueueFlow(flowLimits);
    this.scheduler = singleActiveConsumer(options.arguments) ? singleActive : null;
    this.maxPriority = maxPriority(options.arguments);
    this.ready = this.maxPriority > 0 ? new PriorityBacklog(this, this.maxPriority) : new MemoryBacklog(this);
  }

  /** x-max-priority (0: none): messages go out highest priority first (priority-backlog.ts). */
  readonly maxPriority: number;

  /** x-single-active-consumer: one consumer at a time gets messages. */
  get singleActive(): boolean {
    return this.scheduler === singleActive;
  }

  /** Message octets held by this queue, ready and unacknowledged, as counted for the memory alarm. */
  bytes = 0;

  /** Makes the queue keep its messages on disk, in `store`, through `backlog`. */
  attachStore(store: QueueStore, backlog: Backlog & StoredBacklog): void {
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
    this.hold(message.size);
    this.stats.publish++;
    const seq = position === null ? this.nextSeq++ : position.seq;
    this.ready.push({ message, size: message.size, seq, redelivered: false, position });
    if (this.consumers.length > 0) this.drain();
    this.ready.last()?.message.compact();
  }

  /** Delivers to consumers with credit, round-robin, until none has room or nothing is ready. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    const consumers = this.consumers;
    const scheduler = this.scheduler;
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
      const entry = this.ready.shift();
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
    const entry = this.ready.shift();
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
    this.release(entry.message.size);
    if (entry.position !== null) this.store?.ack(entry.position);
  }

  /** An acknowledged (or rejected without requeue) delivery leaves the queue for good. */
  settle(entry: QueueEntry, consumer: Consumer | null): void {
    this.unacked--;
    this.unackedBytes -= entry.size;
    if (consumer !== null) consumer.unacked--;
    this.release(entry.message.size);
    if (entry.position !== null) this.store?.ack(entry.position);
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
      this.release(entry.message.size);
      return;
    }
    entry.redelivered = true;
    this.ready.requeue(entry);
  }

  addConsumer(consumer: Consumer): void {
    this.consumers.push(consumer);
    if (consumer.priority !== 0 && this.scheduler === null) this.scheduler = new ByPriority();
    this.hadConsumer = true;
    this.drain();
  }

  /** Removes a consumer; true when the queue is auto-delete and just lost its last one. */
  removeConsumer(consumer: Consumer): boolean {
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
    return this.ready.purge();
  }

  /** The backlog over the queue's files (paging out, a clean stop); null when it has none. */
  get diskBacklog(): StoredBacklog | null {
    return this.disk;
  }

  /** The queue is deleted: consumers are told, ready messages dropped; returns how many. */
  delete(): number {
    this.deleted = true;
    const n = this.purge();
    for (const c of this.consumers.splice(0)) c.sink.cancelledByServer(c);
    for (const g of this.getters.splice(0)) g(); // they answer get-empty now
    this.flow.releaseAll(this);
    return n;
  }
}

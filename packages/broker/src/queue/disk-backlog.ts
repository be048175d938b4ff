/**
 * The ready messages of a durable queue: every message is in the queue's segment files, and the
 * newest ones are also in memory up to a byte budget (the ring buffer), so a consumer that keeps
 * up never reads the disk, and a backlog of millions costs 4 octets each in memory (the segment
 * offset index), not a message object each.
 *
 *   oldest ------------------------------------------------------------------------> newest
 *   [ requeued ] [ loaded ] [ on disk only: seq cursor .. tail[0].seq ) [ tail (budget) ]
 *     came back   read in     read in batches when consumers get there     new messages;
 *     from         ahead                                                    the oldest are
 *     consumers                                                             evicted to disk
 *
 * Delivery goes strictly left to right, so every delivered message has a lower seq than every
 * message not delivered yet: the region on disk holds exactly the messages of the segment store
 * between the cursor and the tail, with nothing delivered among them.
 */
import { type QueueStore, RingBuffer, sizeOfSized, type SegmentPosition, type StorageStats } from "@amqp-go/storage";
import type { Logger } from "../ports.js";
import { readMessageRecord } from "../store/message-record.js";
import type { Backlog, BacklogOwner } from "./backlog.js";
import type { QueueEntry } from "./queue-entry.js";
import { Requeued } from "./requeued.js";

/** One disk read: about this many octets of consecutive records. */
const READ_BYTES = 256 * 1024;
/** A read is started ahead when fewer loaded messages than this are left. */
const READ_AHEAD = 256;
/**
 * A delivery lease covers this many messages ahead of the one delivered, and is renewed (one
 * 8-octet write and fdatasync) once half of it is used: a few syncs a second at full speed, and after
 * a crash at most this many messages are flagged redelivered without having been delivered.
 */
const LEASE = 8192;

export class DiskBacklog implements Backlog {
  private readonly requeued = new Requeued();
  private readonly loaded = new RingBuffer<QueueEntry>(Infinity, sizeOfSized);
  /** The newest messages, up to the budget. */
  private readonly tail: RingBuffer<QueueEntry>;
  /** Ready messages only on disk, from `cursor` up to the tail. */
  private onDisk = 0;
  private cursor: SegmentPosition = { segmentId: 0, index: 0, seq: 0 };
  private reading = false;
  /** Bumped by purge and close: a read that started before is dropped. */
  private epoch = 0;
  /** Messages with a lower seq were recovered at start having (maybe) been delivered before. */
  redeliveredBelow = 0;
  /** Messages with a lower seq may be delivered: the lease on disk. */
  private leased = 0;
  /** The lease asked for (being written, or written). */
  private leasing = 0;
  private leaseWriting = false;
  private readonly onLeased = (): void => {
    this.leaseWriting = false;
    this.leased = Math.max(this.leased, this.leaseWritten);
    this.owner.drain();
  };
  private leaseWritten = 0;
  private readonly onRead = (batch: { messages: readonly { position: SegmentPosition; payload: Buffer }[] }, epoch: number): void => {
    if (epoch !== this.epoch) return;
    this.reading = false;
    this.load(batch.messages);
  };

  constructor(
    private readonly owner: BacklogOwner,
    private readonly store: QueueStore,
    /** Octets of the newest messages kept in memory. */
    budget: number,
    private readonly logger: Logger,
    private readonly stats: StorageStats,
  ) {
    this.tail = new RingBuffer<QueueEntry>(budget, sizeOfSized);
  }

  /** Recovery: `count` ready messages on disk from the first one on. */
  recovered(count: number, redeliveredBelow: number, lease: number): void {
    this.onDisk = count;
    this.redeliveredBelow = redeliveredBelow;
    this.leased = this.leasing = lease;
    this.cursor = { segmentId: 0, index: 0, seq: 0 };
  }

  get length(): number {
    return this.requeued.length + this.loaded.length + this.onDisk + this.tail.length;
  }

  push(entry: QueueEntry): void {
    const tail = this.tail;
    tail.push(entry);
    if (this.owner.memoryAlarmed) this.pageOut();
    else while (tail.overBudget && tail.length > 1) this.evict();
  }

  /** Memory pressure: every message of the tail but the newest is dropped from memory (it is on disk). */
  pageOut(): void {
    while (this.tail.length > 1) this.evict();
  }

  shift(): QueueEntry | undefined {
    const r = this.requeued.shift();
    if (r !== undefined) {
      // delivered before: under the lease already
      this.stats.memoryDeliveries++;
      return r;
    }
    const fromLoaded = this.loaded.length > 0;
    const e = fromLoaded ? this.loaded.peek()! : this.onDisk > 0 ? undefined : this.tail.peek();
    if (e === undefined) {
      this.read();
      return undefined;
    }
    if (e.seq + LEASE / 2 >= this.leasing) this.renewLease(e.seq + LEASE);
    if (e.seq >= this.leased) return undefined; // the queue is drained again once the lease is on disk
    if (fromLoaded) {
      this.loaded.shift();
      if (this.onDisk > 0 && this.loaded.length < READ_AHEAD) this.read();
    } else {
      this.tail.shift();
      this.stats.memoryDeliveries++;
    }
    return e;
  }

  peek(): QueueEntry | undefined {
    const r = this.requeued.peek();
    if (r !== undefined) return r;
    if (this.loaded.length > 0) return this.loaded.peek();
    if (this.onDisk > 0) {
      this.read();
      return undefined;
    }
    return this.tail.peek();
  }

  /** Writes a delivery lease up to `upTo` (one write in flight; a later ask waits for it). */
  private renewLease(upTo: number): void {
    this.leasing = upTo;
    if (this.leaseWriting) return;
    this.leaseWriting = true;
    this.leaseWritten = upTo;
    this.store.saveLease(upTo).then(
      () => {
        this.onLeased();
        if (this.leasing > this.leased && !this.leaseWriting) this.renewLease(this.leasing);
      },
      (err: Error) => {
        // Without a lease nothing could be delivered: go on, and say that flags after a crash may be wrong.
        this.logger.error({ err, queue: this.store.name }, "writing the delivery lease failed; redelivered flags after a crash may miss");
        this.leaseWritten = Number.MAX_SAFE_INTEGER;
        this.onLeased();
      },
    );
  }

  requeue(entry: QueueEntry): void {
    this.requeued.push(entry);
  }

  last(): QueueEntry | undefined {
    return this.tail.last();
  }

  /** The lowest seq of a ready message never delivered (requeued ones were). */
  firstUndelivered(): number {
    const l = this.loaded.peek();
    if (l !== undefined) return l.seq;
    if (this.onDisk > 0) return this.cursor.seq;
    return this.tail.peek()?.seq ?? this.store.nextSeq;
  }

  /** Recovery: reads the first batch before any client is let in (so basic.get finds it). */
  async preload(): Promise<void> {
    if (this.onDisk === 0 || this.reading) return;
    const batch = await this.store.segments.readBatch(this.cursor, READ_BYTES);
    this.load(batch.messages);
  }

  /** Starts reading the next batch from disk, unless one is being read: the queue is drained when it is in. */
  read(): void {
    if (this.reading || this.onDisk === 0) return;
    this.reading = true;
    const epoch = this.epoch;
    this.store.segments.readBatch(this.cursor, READ_BYTES).then(
      (batch) => this.onRead(batch, epoch),
      (err: Error) => {
        if (epoch !== this.epoch) return;
        this.reading = false;
        this.logger.error({ err, queue: this.store.name }, "reading messages from disk failed");
      },
    );
  }

  purge(): number {
    const bytes = this.requeued.bytes + this.loaded.bytes + this.tail.bytes;
    const requeued = this.requeued.clear();
    for (const e of requeued) this.store.ack(e.position!);
    let n = requeued.length;
    for (const ring of [this.loaded, this.tail]) {
      for (const e of ring) this.store.ack(e.position!);
      n += ring.clear();
    }
    if (this.onDisk > 0) {
      this.store.segments.ackRange(this.cursor, this.tail.peek()?.seq ?? this.store.nextSeq);
      n += this.onDisk;
      this.onDisk = 0;
    }
    this.epoch++;
    this.reading = false;
    this.owner.release(bytes);
    return n;
  }

  /** Drops reads in flight (the queue is deleted or the broker stops). */
  close(): void {
    this.epoch++;
  }

  private evict(): void {
    const e = this.tail.shift()!;
    this.owner.release(e.size);
    if (this.onDisk === 0) this.cursor = e.position!;
    this.onDisk++;
  }

  private load(messages: readonly { position: SegmentPosition; payload: Buffer }[]): void {
    const limit = this.tail.peek()?.seq ?? Number.MAX_SAFE_INTEGER;
    let n = 0;
    let last: SegmentPosition | null = null;
    for (const m of messages) {
      const seq = m.position.seq;
      if (n >= this.onDisk || seq >= limit) break;
      if (seq < this.cursor.seq) continue;
      const message = readMessageRecord(m.payload);
      const expires = this.owner.deadline(message, seq);
      this.loaded.push({ message, size: message.size, seq, redelivered: seq < this.redeliveredBelow, position: m.position, expires, deliveries: 0 });
      this.owner.hold(message.size);
      last = m.position;
      n++;
    }
    this.stats.diskReads++;
    this.stats.diskReadMessages += n;
    if (last !== null) {
      this.onDisk -= n;
      this.cursor = { segmentId: last.segmentId, index: last.index + 1, seq: last.seq + 1 };
    } else if (this.onDisk > 0) {
      // Nothing readable where messages should be (records lost to corruption): do not spin.
      this.logger.error({ queue: this.store.name, missing: this.onDisk }, "messages on disk could not be read; dropped");
      this.onDisk = 0;
    }
    this.owner.drain();
  }
}

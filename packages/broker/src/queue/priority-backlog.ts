/**
 * The ready messages of a queue with x-max-priority: one level per priority (0 to the max), each
 * a ring of new messages and a heap of requeued ones (as MemoryBacklog), served highest level
 * first and in arrival order within a level. A message's level is its `priority` property capped
 * at the queue's maximum (none: 0), as RabbitMQ does. A queue without x-max-priority never uses
 * this class: its backlog and hot path are unchanged.
 *
 * A durable priority queue keeps its ready messages in memory as well as in its segment files,
 * and recovery reads the files back into their levels, so the order survives a restart. Unlike
 * DiskBacklog it neither pages out under the memory alarm nor keeps a delivery lease (after a
 * crash, every recovered message comes back flagged redelivered).
 */
import { type QueueStore, RingBuffer, sizeOfSized } from "@amqp-go/storage";
import { readMessageRecord } from "../store/message-record.js";
import type { Backlog, BacklogOwner, StoredBacklog } from "./backlog.js";
import type { QueueEntry } from "./queue-entry.js";
import { Requeued } from "./requeued.js";

/** The priority property's flag in the first property-flags word. */
const PRIORITY_FLAG = 0x0800;

class Level {
  readonly ready = new RingBuffer<QueueEntry>(Infinity, sizeOfSized);
  readonly requeued = new Requeued();

  get length(): number {
    return this.ready.length + this.requeued.length;
  }

  shift(): QueueEntry | undefined {
    const r = this.requeued.peek();
    if (r !== undefined) {
      const e = this.ready.peek();
      if (e === undefined || r.seq < e.seq) return this.requeued.shift();
    }
    return this.ready.shift();
  }
}

export class PriorityBacklog implements Backlog, StoredBacklog {
  private readonly levels: Level[] = [];
  private count = 0;
  private newest: QueueEntry | undefined = undefined;

  constructor(
    private readonly owner: BacklogOwner,
    readonly maxPriority: number,
    /** The queue's files when it is durable: purge acknowledges what it drops there. */
    private readonly store: QueueStore | null = null,
  ) {
    for (let i = 0; i <= maxPriority; i++) this.levels.push(new Level());
  }

  get length(): number {
    return this.count;
  }

  private level(entry: QueueEntry): Level {
    const p = entry.message.rawProperties;
    if (p.length < 2 || (p.readUInt16BE(0) & PRIORITY_FLAG) === 0) return this.levels[0]!;
    return this.levels[Math.min(entry.message.properties.priority ?? 0, this.maxPriority)]!;
  }

  push(entry: QueueEntry): void {
    this.level(entry).ready.push(entry);
    this.count++;
    this.newest = entry;
  }

  shift(): QueueEntry | undefined {
    if (this.count === 0) return undefined;
    for (let i = this.maxPriority; i >= 0; i--) {
      const l = this.levels[i]!;
      if (l.length > 0) {
        this.count--;
        return l.shift();
      }
    }
    return undefined;
  }

  peek(): QueueEntry | undefined {
    if (this.count === 0) return undefined;
    for (let i = this.maxPriority; i >= 0; i--) {
      const l = this.levels[i]!;
      if (l.length > 0) {
        const r = l.requeued.peek();
        const e = l.ready.peek();
        return r !== undefined && (e === undefined || r.seq < e.seq) ? r : e;
      }
    }
    return undefined;
  }

  requeue(entry: QueueEntry): void {
    this.level(entry).requeued.push(entry);
    this.count++;
  }

  last(): QueueEntry | undefined {
    return this.newest;
  }

  purge(): number {
    let bytes = 0;
    for (const l of this.levels) {
      bytes += l.ready.bytes + l.requeued.bytes;
      if (this.store !== null) {
        for (const e of l.ready) this.store.ack(e.position!);
        for (const e of l.requeued.clear()) this.store.ack(e.position!);
      } else l.requeued.clear();
      l.ready.clear();
    }
    const n = this.count;
    this.count = 0;
    this.newest = undefined;
    this.owner.release(bytes);
    return n;
  }

  /** Nothing to page out: every ready message stays in memory. */
  pageOut(): void {}

  close(): void {}

  /**
   * A clean stop: messages with a lower seq come back flagged redelivered. Levels keep no single
   * watermark, so this errs on the safe side: past the newest requeued message when one is
   * waiting (older messages never delivered are flagged too, as "may have been delivered"),
   * else the oldest message never delivered.
   */
  firstUndelivered(): number {
    let min = this.store?.nextSeq ?? 0;
    let requeued = -1;
    for (const l of this.levels) {
      const e = l.ready.peek();
      if (e !== undefined && e.seq < min) min = e.seq;
      for (const r of l.requeued) if (r.seq > requeued) requeued = r.seq;
    }
    return requeued >= 0 ? Math.max(min, requeued + 1) : min;
  }

  /** Recovery: every ready message of the queue's files, back into its level, in arrival order. */
  async recover(redeliveredBelow: number): Promise<void> {
    if (this.store === null) return;
    for await (const m of this.store.segments.iterate()) {
      const message = readMessageRecord(m.payload);
      const seq = m.position.seq;
      this.owner.hold(message.size);
      const expires = this.owner.deadline(message, seq);
      this.push({ message, size: message.size, seq, redelivered: seq < redeliveredBelow, position: m.position, expires, deliveries: 0 });
    }
  }
}

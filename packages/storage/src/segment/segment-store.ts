/**
 * The segment tier of one queue: a directory of append-only segment files plus their ack files.
 *
 *   append(payload) ──> SegmentWriter (group commit) ──> seg-<id>.dat ──> onDurable(seq)
 *   ack(position)   ──> AckTracker (roaring, 200 ms batches) ──> seg-<id>.ack ──> reclaim:
 *                         every message of a segment acked  -> delete both files
 *                         >= compactRatio acked, not head   -> compact (compaction.ts)
 *   readBatch / iterate / read  <── SegmentReader (one pread per batch)
 *
 * Messages are opaque Buffers; a message's identity is its `seq`, its address a SegmentPosition.
 * Recovery happens in open() and is summed up in `recovery`; iterate() then yields exactly the
 * unacknowledged messages, in order.
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { AckTracker } from "../ack-tracker.js";
import { checkWrite } from "../storage-faults.js";
import { STORAGE_SETTINGS } from "../storage-settings.js";
import { compactSegment, type CompactionResult } from "./compaction.js";
import { syncDir } from "./file-io.js";
import { recoverSegments, type SegmentRecoveryReport } from "./segment-recovery.js";
import { START, SegmentReader, type ReadBatch, type StoredMessage } from "./segment-reader.js";
import { Segment } from "./segment.js";
import type { SegmentPosition } from "./segment-position.js";
import { SegmentSet } from "./segment-set.js";
import { SegmentWriter } from "./segment-writer.js";

export interface SegmentStoreOptions {
  /** A segment is closed once this many octets are in it (default 64 MiB, STORAGE_SETTINGS.segmentSize; at most 4 GiB - 1). */
  readonly segmentSize?: number;
  /** fdatasync every batch of appends and of acks (default true). */
  readonly sync?: boolean;
  /**
   * fdatasync every batch of appends (default: `sync`). False for a caller whose own write-ahead
   * log makes messages durable: it calls syncData() at its checkpoints instead.
   */
  readonly syncAppends?: boolean;
  /** How often acks are made durable, in ms (default 200, STORAGE_SETTINGS.ackFlushInterval). */
  readonly ackFlushIntervalMs?: number;
  /** A sealed segment with at least this fraction acknowledged is compacted (default 0.9). */
  readonly compactRatio?: number;
  /** Check the crc32 of every record read back (default true); recovery always checks. */
  readonly verifyReads?: boolean;
  /** Delete and compact after every ack flush (default true); else only by reclaim()/compact(). */
  readonly autoReclaim?: boolean;
  /** For an empty directory: the first sequence number and segment id (default 0). */
  readonly firstSeq?: number;
  readonly firstSegmentId?: number;
  /** Every message with seq <= `seq` is now durable: the hook for publisher confirms. */
  readonly onDurable?: (seq: number) => void;
  /** A segment was compacted; positions in `moved` changed (old ones still resolve by seq). */
  readonly onCompact?: (result: CompactionResult) => void;
  /**
   * A background write, ack flush, deletion or compaction failed. A failed write of messages or of
   * acks is retried (every retryIntervalMs, or at the next ack flush): called once per failure.
   */
  readonly onError?: (e: Error) => void;
  /** Writes of messages and acks go through again after a failure. */
  readonly onResume?: () => void;
  /** Milliseconds between attempts at a failed write of messages (default 1000). */
  readonly retryIntervalMs?: number;
}

export interface SegmentInfo {
  readonly segmentId: number;
  readonly messages: number;
  readonly acked: number;
  readonly bytes: number;
  readonly generation: number;
  readonly compacted: boolean;
  readonly head: boolean;
}

const DEFAULT_SEGMENT_SIZE = STORAGE_SETTINGS.segmentSize.default;
const DEFAULT_READ_BYTES = 1024 * 1024;

export class SegmentStore {
  /** What open() found and repaired. */
  readonly recovery: SegmentRecoveryReport;
  private readonly writer: SegmentWriter;
  private readonly reader: SegmentReader;
  private reclaiming: Promise<void> | null = null;
  private reclaimAgain = false;
  private closed = false;

  static async open(dir: string, options: SegmentStoreOptions = {}): Promise<SegmentStore> {
    const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    if (!(segmentSize > 0 && segmentSize < 2 ** 32)) throw new RangeError(`segmentSize ${segmentSize} not in (0, 2^32)`);
    await mkdir(dir, { recursive: true });
    let store: SegmentStore | null = null;
    const acks = new AckTracker(dir, {
      flushIntervalMs: options.ackFlushIntervalMs ?? STORAGE_SETTINGS.ackFlushInterval.default,
      sync: options.sync ?? true,
      onFlush: () => store?.afterAckFlush(),
      onError: (e) => options.onError?.(e),
      onResume: options.onResume,
    });
    const r = await recoverSegments(dir, acks, options.firstSeq ?? 0, options.firstSegmentId ?? 0);
    store = new SegmentStore(dir, options, segmentSize, acks, r.set, r.report, r.nextSegmentId);
    // A reclaim that fails (a full disk) is retried after the next ack flush; the store opens anyway.
    if (options.autoReclaim ?? true) await store.reclaim(false).catch((e: Error) => options.onError?.(e));
    return store;
  }

  private constructor(
    private readonly dir: string,
    private readonly o: SegmentStoreOptions,
    segmentSize: number,
    private readonly acks: AckTracker,
    private readonly set: SegmentSet,
    report: SegmentRecoveryReport,
    nextSegmentId: number,
  ) {
    this.recovery = report;
    this.writer = new SegmentWriter(
      {
        dir,
        segmentSize,
        sync: o.syncAppends ?? o.sync ?? true,
        newSegment: (id, firstSeq) => this.newSegment(id, firstSeq),
        onDurable: o.onDurable,
        onError: (e) => o.onError?.(e),
        onResume: o.onResume,
        retryMs: o.retryIntervalMs,
      },
      report.nextSeq,
      nextSegmentId,
    );
    // Appends continue in the newest segment unless it is compacted or full.
    const last = set.list().pop();
    if (last !== undefined && !last.compacted && last.size < segmentSize) {
      last.sealed = false;
      this.writer.head = last;
    }
    this.reader = new SegmentReader(set, acks, () => this.writer.flush(), o.verifyReads ?? true);
  }

  /**
   * A store in a directory that is new or empty, opened at once: nothing to recover. For a queue
   * declared while the broker runs, whose declare-ok must not wait for the file system.
   */
  static createSync(dir: string, options: SegmentStoreOptions = {}): SegmentStore {
    checkWrite("queue-dir");
    // the directory is made by the first segment file (Segment.handle): an empty queue has no files
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`segment directory ${dir} is not empty`);
    return SegmentStore.empty(dir, options);
  }

  /**
   * A store in a directory that cannot exist yet (a new, never reused name): as createSync without
   * looking at the disk, which a declare of thousands of queues feels (a stat each).
   */
  static createNew(dir: string, options: SegmentStoreOptions = {}): SegmentStore {
    checkWrite("queue-dir");
    return SegmentStore.empty(dir, options);
  }

  /** A store whose directory does not exist (yet): nothing to read, nothing written until the first append. */
  static empty(dir: string, options: SegmentStoreOptions = {}): SegmentStore {
    const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    if (!(segmentSize > 0 && segmentSize < 2 ** 32)) throw new RangeError(`segmentSize ${segmentSize} not in (0, 2^32)`);
    let store: SegmentStore | null = null;
    const acks = new AckTracker(dir, {
      flushIntervalMs: options.ackFlushIntervalMs ?? STORAGE_SETTINGS.ackFlushInterval.default,
      sync: options.sync ?? true,
      onFlush: () => store?.afterAckFlush(),
      onError: (e) => options.onError?.(e),
      onResume: options.onResume,
    });
    const firstSeq = options.firstSeq ?? 0;
    const report: SegmentRecoveryReport = {
      segments: 0, messages: 0, acknowledged: 0, unacknowledged: 0, nextSeq: firstSeq, tornTails: [], corruptRecords: [],
      lostMessages: 0, corruptSegments: [], ackFiles: { loaded: 0, corruptRecords: 0, tornBytes: 0, discarded: 0, orphansRemoved: 0 }, damagedAckFiles: [], durationMs: 0,
    };
    store = new SegmentStore(dir, options, segmentSize, acks, new SegmentSet(), report, options.firstSegmentId ?? 0);
    return store;
  }

  /**
   * Stores a message; it is durable once `onDurable` reports its seq or flush() resolves. With
   * `seq` (not below nextSeq) it gets that sequence number (see SegmentWriter.append).
   */
  append(payload: Uint8Array, seq?: number): SegmentPosition {
    if (this.closed) throw new Error("segment store is closed");
    return this.writer.append(payload, seq);
  }

  /** Writes and fdatasyncs every append so far, also with `syncAppends: false`. */
  syncData(): Promise<void> {
    return this.writer.syncData();
  }

  /**
   * Acknowledges every message from `from` (inclusive) to sequence `toSeq` (exclusive) at once:
   * a purge of messages that are only on disk. Returns how many were newly acknowledged.
   */
  ackRange(from: SegmentPosition, toSeq: number): number {
    let n = 0;
    for (const seg of this.set.list()) {
      if (seg.id < from.segmentId || seg.deleted) continue;
      if (seg.count > 0 && seg.seqAt(0) >= toSeq) break;
      const start = seg.id === from.segmentId ? seg.lowerBound(from.seq) : 0;
      const end = seg.lowerBound(toSeq);
      if (end > start) n += this.acks.ackRange(seg.id, start, end);
    }
    return n;
  }

  /** Resolves once every message appended so far is durable. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Every message with seq <= durableSeq is durable. */
  get durableSeq(): number {
    return this.writer.durableSeq;
  }

  /** The seq the next message gets. */
  get nextSeq(): number {
    return this.writer.nextSeq;
  }

  /** Octets appended and not yet written: stop publishing for a while when this grows large. */
  get pendingBytes(): number {
    return this.writer.pendingBytes;
  }

  /** Records read back with a crc that no longer checks (skipped). */
  get corruptReads(): number {
    return this.reader.corruptReads;
  }

  /** Acknowledges a message; false when it is unknown or gone. Durable at the next ack flush. */
  ack(pos: SegmentPosition): boolean {
    const seg = this.set.get(pos.segmentId);
    if (seg === undefined) return false;
    const i = seg.resolve(pos);
    return i >= 0 && this.acks.ack(seg.id, i);
  }

  isAcked(pos: SegmentPosition): boolean {
    const seg = this.set.get(pos.segmentId);
    if (seg === undefined) return true;
    const i = seg.resolve(pos);
    return i < 0 || this.acks.isAcked(seg.id, i);
  }

  /** Makes every ack so far durable now, instead of at the next interval. */
  flushAcks(): Promise<void> {
    return this.acks.flush();
  }

  /** The message at `pos`, or undefined when it is gone. */
  read(pos: SegmentPosition): Promise<Buffer | undefined> {
    return this.reader.read(pos);
  }

  /** Up to about `maxBytes` of unacknowledged messages from `from` on, in order. */
  readBatch(from: SegmentPosition = START, maxBytes = DEFAULT_READ_BYTES): Promise<ReadBatch> {
    return this.reader.readBatch(from, maxBytes, true);
  }

  /** The unacknowledged messages from `from` on, in order, up to the last one appended. */
  async *iterate(from: SegmentPosition = START): AsyncGenerator<StoredMessage> {
    let cursor = from;
    for (;;) {
      const batch = await this.reader.readBatch(cursor, DEFAULT_READ_BYTES, true);
      if (batch.messages.length === 0) return;
      yield* batch.messages;
      cursor = batch.next;
    }
  }

  /** Compacts one sealed segment now, whatever its ratio; null when it is not eligible. */
  async compact(segmentId: number): Promise<CompactionResult | null> {
    const seg = this.set.get(segmentId);
    if (seg === undefined || seg === this.writer.head || !seg.sealed || seg.compacting || seg.deleted) return null;
    if (seg.writtenCount < seg.count) return null;
    if (this.acks.ackedCount(seg.id) >= seg.count) {
      await this.deleteSegment(seg);
      return null;
    }
    seg.compacting = true;
    try {
      const { result, error } = await compactSegment(this.dir, seg, this.acks, this.o.sync ?? true, (next) => this.set.put(next));
      await seg.close();
      this.o.onCompact?.(result);
      if (error !== null) throw error;
      return result;
    } finally {
      seg.compacting = false;
    }
  }

  /**
   * Deletes fully acknowledged segments and (with `compact`) compacts mostly acknowledged ones.
   * Runs by itself after each ack flush unless `autoReclaim` is false.
   */
  reclaim(compact = true): Promise<void> {
    if (this.reclaiming !== null) {
      this.reclaimAgain = true;
      return this.reclaiming;
    }
    this.reclaiming = this.reclaimLoop(compact).finally(() => {
      this.reclaiming = null;
    });
    return this.reclaiming;
  }

  private async reclaimLoop(compact: boolean): Promise<void> {
    do {
      this.reclaimAgain = false;
      const ratio = this.o.compactRatio ?? 0.9;
      for (const seg of this.set.list()) {
        if (seg.deleted || seg.compacting || this.closed) continue;
        const acked = this.acks.ackedCount(seg.id);
        if (acked >= seg.count && this.writer.isIdle(seg)) {
          if (seg === this.writer.head) {
            if (seg.count === 0) continue;
            // keep the sequence counter on disk in a fresh, empty head before deleting this one
            // (synced even without syncAppends: a caller's log replay relies on the counter);
            // on a full disk this reclaim gives up (failFast) and a later one deletes the segment
            this.writer.roll();
            await this.writer.syncData(true);
          } else if (this.holdsCounter(seg)) {
            continue; // the head after it is not on disk yet (a full disk): keep the counter
          }
          await this.deleteSegment(seg);
        } else if (compact && seg.sealed && seg !== this.writer.head && acked >= ratio * seg.count) {
          await this.compact(seg.id);
        }
      }
    } while (this.reclaimAgain && !this.closed);
  }

  /** Segments in order, for stats and tests. */
  segments(): SegmentInfo[] {
    return this.set.list().map((s) => ({
      segmentId: s.id,
      messages: s.count,
      acked: this.acks.ackedCount(s.id),
      bytes: s.size,
      generation: s.generation,
      compacted: s.compacted,
      head: s === this.writer.head,
    }));
  }

  /** Writes what is pending, flushes the acks and closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    // A write still failing (a full disk) is given up: what it held is in the caller's log, if anywhere.
    this.writer.abandon();
    await this.writer.flush().catch(() => undefined);
    this.closed = true;
    await this.reclaiming?.catch(() => undefined);
    await this.acks.close();
    for (const seg of this.set.list()) await seg.close();
    if (this.writer.error !== null) throw this.writer.error;
  }

  /** Whether `seg` is the newest segment on disk (none after it written yet): the sequence counter is in it. */
  private holdsCounter(seg: Segment): boolean {
    for (const s of this.set.list()) if (s.id > seg.id && s.writtenSize > 0) return false;
    return true;
  }

  private afterAckFlush(): void {
    if (this.closed || !(this.o.autoReclaim ?? true)) return;
    this.reclaim().catch((e: Error) => this.o.onError?.(e));
  }

  private newSegment(id: number, firstSeq: number): Segment {
    const seg = new Segment(this.dir, id, firstSeq, 0);
    seg.create = true;
    this.set.put(seg);
    this.acks.track(id, 0);
    return seg;
  }

  private async deleteSegment(seg: Segment): Promise<void> {
    seg.deleted = true;
    this.set.delete(seg.id);
    await seg.close();
    await rm(seg.path, { force: true }); // the data first: an ack file left alone is an orphan
    await this.acks.drop(seg.id);
    if (this.o.sync ?? true) await syncDir(this.dir);
  }
}

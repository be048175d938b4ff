/**
 * Group commit for one queue's segments. `append` copies the message into the open batch buffer
 * and returns its position at once; the batch goes to disk in ONE positioned write per file
 * (plus one fdatasync when `sync`), on the libuv thread pool, started by a setImmediate or as soon
 * as the previous batch is done. While a batch is in flight the next one fills up, so under load
 * batches grow by themselves and the cost of a sync is shared by every message in it.
 *
 *   append  append  append ...              append  append ...
 *   [ open batch N+1: header? rec rec rec ] [ in flight: batch N ] -> write -> fdatasync -> onDurable(lastSeq)
 *                                            ^ swapped with the spare buffer when batch N starts
 *
 * A batch that crosses a segment roll is split in chunks, one per file; a new file's 32-octet
 * header is written in the same write as its first records.
 *
 * A write that fails (a full disk) is kept and written again, whole and at the same offsets, every
 * `retryMs` until it goes through: rewriting the pages also re-dirties any the kernel dropped after
 * a failed sync. Meanwhile appends go on filling the next batch (the caller's flow control bounds
 * it: `pendingBytes`) and flush() waits; only close() gives up on it.
 */
import { RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE, writeRecord, writeSegmentHeader } from "./record.js";
import { writeFully, syncDir } from "./file-io.js";
import { checkWrite } from "../storage-faults.js";
import { MAX_RECORDS_PER_SEGMENT, type Segment } from "./segment.js";
import type { SegmentPosition } from "./segment-position.js";

const INITIAL_BUFFER = 1024 * 1024;
/** The first buffer of a queue: grown by doubling up to INITIAL_BUFFER and beyond as batches need. */
const FIRST_BUFFER = 4096;
const EMPTY = Buffer.alloc(0);
/** Milliseconds between attempts at a failed write, by default. */
const DEFAULT_RETRY_MS = 1000;
/** A buffer grown past this for one big batch is dropped afterwards rather than kept as spare. */
const KEEP_BUFFER = 8 * 1024 * 1024;

interface Chunk {
  readonly segment: Segment;
  readonly start: number;
  end: number;
  readonly fileOffset: number;
  /** The segment's record count once this chunk is written. */
  count: number;
}

/** A batch taken off the active buffer, on its way to disk (again, after a failure). */
interface Outgoing {
  readonly buf: Buffer;
  readonly chunks: Chunk[];
  readonly lastSeq: number;
  readonly batch: number;
}

interface Waiter {
  readonly batch: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  /** Rejected by a failed write rather than waiting for its retry. */
  readonly failFast: boolean;
}

export interface WriterOptions {
  readonly dir: string;
  readonly segmentSize: number;
  readonly sync: boolean;
  /** Makes and registers the Segment object of a new file. */
  readonly newSegment: (id: number, firstSeq: number) => Segment;
  readonly onDurable: ((seq: number) => void) | undefined;
  /** A write failed: it is retried every retryMs. Called once per failure, not per retry. */
  readonly onError: (e: Error) => void;
  /** A write went through after failures. */
  readonly onResume?: (() => void) | undefined;
  /** Milliseconds between attempts at a failed write. */
  readonly retryMs?: number | undefined;
}

export class SegmentWriter {
  head: Segment | null = null;
  nextSeq: number;
  nextSegmentId: number;
  /** Every message with seq <= durableSeq is in the file (and synced, when `sync`). */
  durableSeq: number;
  /** The last write failed; it is retried until it goes through (null: writing normally). */
  error: Error | null = null;
  /** The batch that failed, waiting for its retry. */
  private failed: Outgoing | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly onRetry = (): void => {
    this.retryTimer = null;
    const failed = this.failed;
    if (failed !== null && !this.inFlight) void this.put(failed);
  };
  /** Allocated by the first append (an empty queue holds no buffer), grown by doubling. */
  private active: Buffer = EMPTY;
  private activeLen = 0;
  private chunks: Chunk[] = [];
  private spare: Buffer | null = null;
  private inFlight = false;
  private scheduled = false;
  /** The batch being filled is number openBatch; batches up to doneBatch are on disk. */
  private openBatch = 1;
  private doneBatch = 0;
  private waiters: Waiter[] = [];
  /** Segments written without fdatasync since the last syncData() (appends not synced). */
  private unsynced = new Set<Segment>();
  private createdUnsynced = false;
  /** close() began: a failed write is not retried any more. */
  private closing = false;
  private readonly onImmediate = (): void => {
    this.scheduled = false;
    if (!this.inFlight && this.activeLen > 0 && this.error === null) void this.write();
  };

  constructor(
    private readonly o: WriterOptions,
    nextSeq: number,
    nextSegmentId: number,
  ) {
    this.nextSeq = nextSeq;
    this.nextSegmentId = nextSegmentId;
    this.durableSeq = nextSeq - 1;
  }

  /** Octets appended but not yet on disk: the caller's backpressure signal. */
  get pendingBytes(): number {
    return this.activeLen + (this.failed === null ? 0 : this.failed.chunks.reduce((n, c) => n + c.end - c.start, 0));
  }

  /** Whether `seg` has nothing waiting to be written. */
  isIdle(seg: Segment): boolean {
    return seg.writtenSize === seg.size;
  }

  /**
   * Appends a message. With `seq` (above every seq given so far) the message gets that sequence
   * number: recovery puts a message back under the number it had, so a second recovery knows it.
   */
  append(payload: Uint8Array, seq = this.nextSeq): SegmentPosition {
    if (seq > Number.MAX_SAFE_INTEGER) throw new RangeError("sequence numbers exhausted");
    if (seq < this.nextSeq) throw new RangeError(`seq ${seq} is below the next sequence ${this.nextSeq}`);
    const need = RECORD_HEADER_SIZE + payload.length;
    let seg = this.head;
    if (seq > this.nextSeq) {
      // a gap: a segment's sequences are consecutive, so the message starts a new one
      this.nextSeq = seq;
      seg = null;
    }
    if (seg === null || seg.sealed || seg.count >= MAX_RECORDS_PER_SEGMENT || (seg.count > 0 && seg.size + need > this.o.segmentSize)) {
      seg = this.roll();
    }
    const chunk = this.chunkFor(seg, need);
    const index = seg.count;
    this.activeLen = writeRecord(this.active, this.activeLen, index, index, payload);
    seg.push(seg.size, index);
    seg.size += need;
    chunk.end = this.activeLen;
    chunk.count = seg.count;
    this.schedule();
    return { segmentId: seg.id, index, seq: this.nextSeq++ };
  }

  /**
   * Seals the head and starts a new, empty one whose header carries the sequence counter on: how
   * a fully acknowledged head can be deleted without losing the counter.
   */
  roll(): Segment {
    if (this.head !== null) this.head.sealed = true;
    const seg = this.o.newSegment(this.nextSegmentId++, this.nextSeq);
    this.ensure(SEGMENT_HEADER_SIZE);
    const start = this.activeLen;
    this.activeLen = writeSegmentHeader(this.active, start, { segmentId: seg.id, firstSeq: this.nextSeq, generation: 0, flags: 0 });
    this.chunks.push({ segment: seg, start, end: this.activeLen, fileOffset: 0, count: 0 });
    this.head = seg;
    this.schedule();
    return seg;
  }

  /**
   * Resolves once everything appended so far is written and fdatasync'ed, whatever `sync` says:
   * the checkpoint of a caller that keeps its own write-ahead log.
   */
  async syncData(failFast = false): Promise<void> {
    await this.flush(failFast);
    const segs = this.unsynced;
    const created = this.createdUnsynced;
    this.unsynced = new Set();
    this.createdUnsynced = false;
    try {
      for (const seg of segs) {
        if (seg.deleted) continue;
        try {
          await (await seg.handle()).datasync();
        } catch (e) {
          if (!seg.deleted) throw e;
        }
        segs.delete(seg);
      }
      if (created) await syncDir(this.o.dir);
    } catch (e) {
      // Not synced: the next checkpoint tries these again (and its caller keeps its log meanwhile).
      for (const seg of segs) this.unsynced.add(seg);
      this.createdUnsynced ||= created;
      throw e;
    }
  }

  /** Resolves once everything appended so far is on disk (synced when `sync`). */
  flush(failFast = false): Promise<void> {
    if ((this.closing || failFast) && this.error !== null) return Promise.reject(this.error);
    const batch = this.activeLen > 0 ? this.openBatch : this.openBatch - 1;
    if (batch <= this.doneBatch) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ batch, resolve, reject, failFast }));
  }

  private chunkFor(seg: Segment, need: number): Chunk {
    this.ensure(need);
    const last = this.chunks[this.chunks.length - 1];
    if (last !== undefined && last.segment === seg) return last;
    const c: Chunk = { segment: seg, start: this.activeLen, end: this.activeLen, fileOffset: seg.size, count: seg.count };
    this.chunks.push(c);
    return c;
  }

  private ensure(extra: number): void {
    if (this.activeLen + extra <= this.active.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.active.length * 2, this.activeLen + extra, FIRST_BUFFER));
    this.active.copy(bigger, 0, 0, this.activeLen);
    this.active = bigger;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(this.onImmediate);
  }

  private write(): Promise<void> {
    const out: Outgoing = { buf: this.active, chunks: this.chunks, lastSeq: this.nextSeq - 1, batch: this.openBatch++ };
    // a queue that writes little keeps a small buffer; a busy one gets the full size at once
    this.active = this.spare ?? (out.buf.length >= INITIAL_BUFFER ? Buffer.allocUnsafe(INITIAL_BUFFER) : EMPTY);
    this.spare = null;
    this.activeLen = 0;
    this.chunks = [];
    return this.put(out);
  }

  private async put(out: Outgoing): Promise<void> {
    const { buf, chunks, lastSeq, batch } = out;
    this.inFlight = true;
    try {
      let created = false;
      for (const c of chunks) {
        const seg = c.segment;
        if (seg.deleted) continue;
        created ||= seg.create;
        const h = await seg.handle();
        checkWrite("segment");
        await writeFully(h, buf, c.start, c.end - c.start, c.fileOffset);
        if (this.o.sync) await h.datasync();
        else this.unsynced.add(seg);
        seg.writtenSize = c.fileOffset + (c.end - c.start);
        seg.writtenCount = c.count;
      }
      if (created && this.o.sync) await syncDir(this.o.dir);
      else if (created) this.createdUnsynced = true;
    } catch (e) {
      this.fail(out, e as Error);
      return;
    }
    this.inFlight = false;
    if (this.error !== null) {
      this.error = null;
      this.failed = null;
      this.o.onResume?.();
    }
    if (buf.length <= KEEP_BUFFER) this.spare = buf;
    this.doneBatch = batch;
    if (lastSeq > this.durableSeq) {
      this.durableSeq = lastSeq;
      try {
        this.o.onDurable?.(lastSeq);
      } catch (e) {
        this.o.onError(e as Error); // the caller's bug must not stall the waiters below
      }
    }
    let n = 0;
    while (n < this.waiters.length && (this.waiters[n] as Waiter).batch <= batch) (this.waiters[n++] as Waiter).resolve();
    if (n > 0) this.waiters.splice(0, n);
    if (this.activeLen > 0) void this.write();
  }

  /**
   * Gives up on a failed write (close() on a disk still full): what waits for it is rejected and
   * nothing more is written. Returns the error, or null when nothing had failed.
   */
  abandon(): Error | null {
    this.closing = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const e = this.error;
    if (e === null) return null;
    this.failed = null;
    for (const w of this.waiters) w.reject(e);
    this.waiters = [];
    return e;
  }

  /** A write or sync failed: kept and retried (see the top of the file). */
  private fail(out: Outgoing, e: Error): void {
    this.inFlight = false;
    const first = this.error === null;
    this.error = e;
    this.failed = out;
    if (first) this.o.onError(e);
    const waiting = this.waiters;
    this.waiters = waiting.filter((w) => !w.failFast);
    for (const w of waiting) if (w.failFast) w.reject(e);
    if (this.closing) {
      this.abandon();
      return;
    }
    this.retryTimer = setTimeout(this.onRetry, this.o.retryMs ?? DEFAULT_RETRY_MS);
    this.retryTimer.unref();
  }
}

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
 */
import { RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE, writeRecord, writeSegmentHeader } from "./record.js";
import { writeFully, syncDir } from "./file-io.js";
import { MAX_RECORDS_PER_SEGMENT, type Segment } from "./segment.js";
import type { SegmentPosition } from "./segment-position.js";

const INITIAL_BUFFER = 1024 * 1024;
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

interface Waiter {
  readonly batch: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

export interface WriterOptions {
  readonly dir: string;
  readonly segmentSize: number;
  readonly sync: boolean;
  /** Makes and registers the Segment object of a new file. */
  readonly newSegment: (id: number, firstSeq: number) => Segment;
  readonly onDurable: ((seq: number) => void) | undefined;
  readonly onError: (e: Error) => void;
}

export class SegmentWriter {
  head: Segment | null = null;
  nextSeq: number;
  nextSegmentId: number;
  /** Every message with seq <= durableSeq is in the file (and synced, when `sync`). */
  durableSeq: number;
  error: Error | null = null;
  private active: Buffer = Buffer.allocUnsafe(INITIAL_BUFFER);
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
    return this.activeLen;
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
    if (this.error !== null) throw this.error;
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
  async syncData(): Promise<void> {
    await this.flush();
    const segs = this.unsynced;
    const created = this.createdUnsynced;
    this.unsynced = new Set();
    this.createdUnsynced = false;
    for (const seg of segs) {
      if (seg.deleted) continue;
      try {
        await (await seg.handle()).datasync();
      } catch (e) {
        if (!seg.deleted) throw e;
      }
    }
    if (created) await syncDir(this.o.dir);
  }

  /** Resolves once everything appended so far is on disk (synced when `sync`). */
  flush(): Promise<void> {
    if (this.error !== null) return Promise.reject(this.error);
    const batch = this.activeLen > 0 ? this.openBatch : this.openBatch - 1;
    if (batch <= this.doneBatch) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ batch, resolve, reject }));
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
    const bigger = Buffer.allocUnsafe(Math.max(this.active.length * 2, this.activeLen + extra));
    this.active.copy(bigger, 0, 0, this.activeLen);
    this.active = bigger;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(this.onImmediate);
  }

  private async write(): Promise<void> {
    const buf = this.active;
    const chunks = this.chunks;
    const lastSeq = this.nextSeq - 1;
    const batch = this.openBatch++;
    this.active = this.spare ?? Buffer.allocUnsafe(INITIAL_BUFFER);
    this.spare = null;
    this.activeLen = 0;
    this.chunks = [];
    this.inFlight = true;
    try {
      let created = false;
      for (const c of chunks) {
        const seg = c.segment;
        created ||= seg.create;
        const h = await seg.handle();
        await writeFully(h, buf, c.start, c.end - c.start, c.fileOffset);
        if (this.o.sync) await h.datasync();
        else this.unsynced.add(seg);
        seg.writtenSize = c.fileOffset + (c.end - c.start);
        seg.writtenCount = c.count;
      }
      if (created && this.o.sync) await syncDir(this.o.dir);
      else if (created) this.createdUnsynced = true;
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.inFlight = false;
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

  /** A write or sync failed: after a failed fsync the page cache can't be trusted, so stop. */
  private fail(e: Error): void {
    this.error = e;
    this.inFlight = false;
    for (const w of this.waiters) w.reject(e);
    this.waiters = [];
    this.o.onError(e);
  }
}

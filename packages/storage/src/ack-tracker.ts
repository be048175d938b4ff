/**
 * Acknowledged messages of one queue, per segment: a RoaringBitmap32 of segment-relative indexes,
 * made durable in batches in an append-only ack file per segment (layout in segment/ack-file.ts).
 *
 *   ack(seg, i) -> delta[seg] (Uint32Array, plain JS: no native call per ack)
 *                    | on a query, or at the flush: addMany into acked[seg]
 *                    v every flushIntervalMs (default 200 ms) and at close
 *   seg-<id>.ack  += [crc | len | portable bitmap of the delta]   one write + fdatasync per file
 *
 * So after a clean close no acknowledged message comes back, and after a crash only the acks since
 * the last flush can. An ack file that grew much bigger than its bitmap (many small deltas) is
 * rewritten as one snapshot: temporary file, fdatasync, rename, fsync of the directory.
 *
 * Why the delta array: crossing into the native addon costs about 0.5 µs per call, so acks are
 * gathered in JS and handed over with one `addMany` (toolchain notes, roaring section).
 */
import { RoaringBitmap32, loadRoaring } from "./segment/roaring.js";
import type { RoaringBitmap32 as Bitmap, ReadonlyRoaringBitmap32 } from "roaring";
import { mkdir, open, rename, rm, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { encodeAckRecord, loadAckFile, type AckLoadResult } from "./segment/ack-file.js";
import { syncDir } from "./segment/file-io.js";
import { ackFileName } from "./segment/segment-position.js";
import { SegmentAcks } from "./segment/segment-acks.js";
import { STORAGE_SETTINGS } from "./storage-settings.js";
import { checkWrite } from "./storage-faults.js";


export type { AckLoadResult };

/** Below this an ack file is never rewritten; above it, once it is 4x its snapshot's size. */
const REWRITE_MIN_BYTES = 64 * 1024;

export interface AckTrackerOptions {
  /** How often acks are written and synced, in ms (default 200). 0: only by flush() and close(). */
  readonly flushIntervalMs?: number;
  /** fdatasync each ack file written (default true). */
  readonly sync?: boolean;
  /** After each flush, the segments it wrote (the store deletes or compacts from there). */
  readonly onFlush?: (segmentIds: readonly number[]) => void;
  /** A flush failed (the timer's or a caller's); the timer tries again at its next tick. Once per failure. */
  readonly onError?: (e: Error) => void;
  /** A flush went through after failures. */
  readonly onResume?: (() => void) | undefined;
}

export class AckTracker {
  private readonly segments = new Map<number, SegmentAcks>();
  private readonly sync: boolean;
  /** Runs only while there are acks to flush: an idle queue costs no timer (10,000 queues, 10,000 idle timers). */
  private timer: NodeJS.Timeout | null = null;
  private readonly interval: number;
  private dirtyFlag = false;
  private get dirty(): boolean {
    return this.dirtyFlag;
  }
  private set dirty(v: boolean) {
    this.dirtyFlag = v;
    if (v && this.timer === null && this.interval > 0 && !this.closed) this.timer = setInterval(this.tick, this.interval).unref();
  }
  private created = false;
  private flushing: Promise<void> | null = null;
  private again: Promise<void> | null = null;
  private closed = false;
  /** The last flush failed (a full disk): acks stay in memory and the next tick tries again. */
  private failing = false;
  private readonly tick = (): void => {
    if (!this.dirty && this.flushing === null && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
    if (!this.dirty || this.flushing !== null) return;
    this.flush().catch(() => undefined); // reported by flushOnce (onError)
  };

  constructor(
    private readonly dir: string,
    private readonly o: AckTrackerOptions = {},
  ) {
    loadRoaring();
    this.sync = o.sync ?? true;
    this.interval = o.flushIntervalMs ?? STORAGE_SETTINGS.ackFlushInterval.default;
  }

  /** Starts tracking a new segment (no ack file until its first flush). */
  track(segmentId: number, generation: number): void {
    this.segments.set(segmentId, new SegmentAcks(generation));
  }

  /** Recovery: reads the segment's ack file, cutting a torn tail and ignoring another generation's. */
  async load(segmentId: number, generation: number): Promise<AckLoadResult> {
    const s = new SegmentAcks(generation);
    this.segments.set(segmentId, s);
    const r = await loadAckFile(this.path(segmentId), generation);
    s.acked = r.acked;
    s.fileBytes = r.fileBytes;
    return r.result;
  }

  /**
   * Recovery: forgets acks of indexes >= `count`. They name records lost in a torn tail, and
   * those indexes will be given to new messages, which must not be born acknowledged.
   */
  trimTo(segmentId: number, count: number): void {
    const s = this.segments.get(segmentId);
    if (s === undefined || s.acked.isEmpty || s.acked.maximum() < count) return;
    s.acked.removeRange(count, 4294967296);
    s.rewrite = true;
    this.dirty = true;
  }

  has(segmentId: number): boolean {
    return this.segments.has(segmentId);
  }

  /** Marks one message acknowledged; false when the segment is not tracked. */
  ack(segmentId: number, index: number): boolean {
    const s = this.segments.get(segmentId);
    if (s === undefined) return false;
    s.push(index);
    this.dirty = true;
    return true;
  }

  ackMany(segmentId: number, indexes: ArrayLike<number>): boolean {
    const s = this.segments.get(segmentId);
    if (s === undefined) return false;
    for (let i = 0; i < indexes.length; i++) s.push(indexes[i] as number);
    this.dirty = true;
    return true;
  }

  /** Acknowledges every index in [start, end); returns how many were not acknowledged before. */
  ackRange(segmentId: number, start: number, end: number): number {
    const s = this.segments.get(segmentId);
    if (s === undefined) return 0;
    const range = new RoaringBitmap32();
    range.addRange(start, end);
    range.andNotInPlace(s.apply());
    const fresh = range.toUint32Array();
    for (let i = 0; i < fresh.length; i++) s.push(fresh[i] as number);
    this.dirty ||= fresh.length > 0;
    return fresh.length;
  }

  isAcked(segmentId: number, index: number): boolean {
    const s = this.segments.get(segmentId);
    return s !== undefined && s.apply().has(index);
  }

  /** Whether any index in [start, end) is acknowledged: one native call for a whole read batch. */
  anyAcked(segmentId: number, start: number, end: number): boolean {
    const s = this.segments.get(segmentId);
    return s !== undefined && s.apply().rangeCardinality(start, end) > 0;
  }

  /**
   * The first index in [from, to) not acknowledged, or `to`. Gallops over acked runs with
   * rangeCardinality, then binary-searches the window: O(log n) native calls, not one per ack.
   */
  firstUnacked(segmentId: number, from: number, to: number): number {
    return this.segments.get(segmentId)?.firstUnacked(from, to) ?? from;
  }

  ackedCount(segmentId: number): number {
    return this.segments.get(segmentId)?.apply().size ?? 0;
  }

  /** The acknowledged indexes of a segment (a live view: do not keep it across awaits). */
  acked(segmentId: number): ReadonlyRoaringBitmap32 {
    return this.segments.get(segmentId)?.apply() ?? new RoaringBitmap32();
  }

  /** Writes every segment's new acks to its ack file; resolves once synced. */
  flush(): Promise<void> {
    if (this.flushing !== null) {
      const next = (): Promise<void> => {
        this.again = null;
        return this.flush();
      };
      this.again ??= this.flushing.then(next, next);
      return this.again;
    }
    this.flushing = this.flushOnce().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    this.dirty = false;
    const ids: number[] = [];
    const work: Promise<void>[] = [];
    for (const [id, s] of this.segments) {
      if (s.held || (s.deltaLen === 0 && !s.rewrite)) continue;
      ids.push(id);
      s.writing = this.flushSegment(id, s);
      work.push(s.writing);
    }
    if (work.length === 0) return;
    const results = await Promise.allSettled(work);
    if (this.created && this.sync) {
      this.created = false;
      await syncDir(this.dir);
    }
    for (const r of results) {
      if (r.status === "rejected") {
        this.dirty = true; // the segments that failed are marked for a rewrite: try again
        if (!this.failing) this.o.onError?.(r.reason as Error);
        this.failing = true;
        throw r.reason;
      }
    }
    if (this.failing) {
      this.failing = false;
      this.o.onResume?.();
    }
    this.o.onFlush?.(ids);
  }

  private async flushSegment(id: number, s: SegmentAcks): Promise<void> {
    const acked = s.apply();
    const grown = s.fileBytes > REWRITE_MIN_BYTES && s.fileBytes > 4 * acked.getSerializationSizeInBytes("portable");
    if (s.rewrite || grown || s.fileBytes === 0) {
      // new file, or a snapshot replacing a long one: the whole bitmap, atomically
      s.deltaLen = s.applied = 0;
      s.rewrite = false;
      try {
        const bytes = await this.writeSnapshot(id, s.generation, acked);
        await this.install(id, s, bytes);
      } catch (e) {
        s.rewrite = true;
        throw e;
      }
      return;
    }
    const rec = encodeAckRecord(new RoaringBitmap32(s.delta.subarray(0, s.deltaLen)), -1);
    s.deltaLen = s.applied = 0;
    try {
      s.handle ??= await openAppend(this.path(id));
      checkWrite("ack");
      await s.handle.write(rec);
      if (this.sync) await s.handle.datasync();
      s.fileBytes += rec.length;
    } catch (e) {
      s.rewrite = true; // the delta is gone from memory but not from `acked`: write it all again
      throw e;
    }
  }

  /** Writes `acked` as a complete ack file of `generation` to `seg-<id>.ack.tmp`, synced. */
  async writeSnapshot(segmentId: number, generation: number, acked: ReadonlyRoaringBitmap32): Promise<number> {
    const buf = encodeAckRecord(acked as Bitmap, generation);
    const h = await open(`${this.path(segmentId)}.tmp`, "w");
    try {
      checkWrite("ack");
      await h.write(buf);
      if (this.sync) await h.datasync();
    } finally {
      await h.close();
    }
    return buf.length;
  }

  /** Renames the .tmp over the ack file; the next append reopens it. */
  private async install(segmentId: number, s: SegmentAcks, bytes: number): Promise<void> {
    await rename(`${this.path(segmentId)}.tmp`, this.path(segmentId));
    this.created = true;
    const old = s.handle;
    s.handle = null;
    s.fileBytes = bytes;
    if (old !== null) await old.close();
  }

  /** Compaction, step 1: keep flushes away from this segment until commit() or release(). */
  async hold(segmentId: number): Promise<void> {
    const s = this.segments.get(segmentId);
    if (s === undefined) return;
    s.held = true;
    await s.writing;
  }

  /**
   * Compaction, last step (its data file is renamed already): installs the .tmp written by
   * writeSnapshot(), which holds `written`; `acked` (a superset: acks that came in meanwhile)
   * becomes the state, the difference is written at the next flush.
   */
  async commit(segmentId: number, generation: number, acked: Bitmap, written: ReadonlyRoaringBitmap32, bytes: number): Promise<void> {
    const s = this.segments.get(segmentId);
    if (s === undefined) return;
    // Swap the state before the first await: acks by new index may arrive during the rename.
    s.generation = generation;
    s.acked = acked;
    const late = RoaringBitmap32.andNot(acked, written).toUint32Array();
    s.delta = late.length > 0 ? late : new Uint32Array(64);
    s.deltaLen = s.applied = late.length;
    this.dirty ||= late.length > 0;
    try {
      await this.install(segmentId, s, bytes);
      if (this.sync) await syncDir(this.dir);
    } finally {
      s.held = false;
    }
  }

  /** A compaction failed: flushes may touch the segment again. */
  async release(segmentId: number): Promise<void> {
    const s = this.segments.get(segmentId);
    if (s !== undefined) s.held = false;
    this.dirty = true;
    await rm(`${this.path(segmentId)}.tmp`, { force: true });
  }

  /** The segment was deleted: forget its acks and delete its ack file. */
  async drop(segmentId: number): Promise<void> {
    const s = this.segments.get(segmentId);
    this.segments.delete(segmentId);
    if (s !== undefined) {
      await s.writing?.catch(() => undefined);
      await s.handle?.close();
      s.handle = null;
    }
    await rm(this.path(segmentId), { force: true });
    await rm(`${this.path(segmentId)}.tmp`, { force: true });
  }

  /** Flushes what is left and closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    await this.flush();
    for (const s of this.segments.values()) {
      await s.handle?.close();
      s.handle = null;
    }
  }

  private path(segmentId: number): string {
    return join(this.dir, ackFileName(segmentId));
  }
}


/** Opens an ack file to append to; the directory is made when the segment's own write has not made it yet. */
async function openAppend(path: string): Promise<FileHandle> {
  try {
    return await open(path, "a");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    await mkdir(dirname(path), { recursive: true });
    return open(path, "a");
  }
}

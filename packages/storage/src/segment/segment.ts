/**
 * What the store keeps in memory for one segment file: its header fields, an offset index
 * (4 octets per message, rebuilt by the scan at open) and how much of it is on disk.
 *
 *   offsets:  [ 32 | 300 | 0 | 872 | ... ]     offsets[i] = file offset of record i
 *                          ^ 0 = a hole: a corrupt record skipped at open (0 is the header's place)
 *
 *   file:     | header | rec 0 | rec 1 | garbage | rec 3 | ... | (pending batch)          |
 *             0        32                                      writtenSize              size
 *
 * A compacted segment also keeps `seqOffsets` (message i has sequence firstSeq + seqOffsets[i]);
 * an uncompacted one needs none, since there seqOffset == index. That keeps the common case at
 * 4 octets of memory per message.
 */
import { mkdir, open, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { SegmentPosition } from "./segment-position.js";
import { segmentFileName } from "./segment-position.js";
import { SEGMENT_HEADER_SIZE } from "./record.js";
import { segmentFiles } from "./open-files.js";

/** An index is a u32 and acks are a RoaringBitmap32: a segment never holds more. */
export const MAX_RECORDS_PER_SEGMENT = 0xffffffff;

export class Segment {
  readonly id: number;
  readonly path: string;
  firstSeq: number;
  generation: number;
  compacted = false;
  /** Records appended (some may still be in the writer's batch). */
  count = 0;
  offsets: Uint32Array;
  seqOffsets: Uint32Array | null = null;
  /** File length counting the batch not yet written. */
  size = SEGMENT_HEADER_SIZE;
  /** Octets known to be in the file (written, and synced when the store syncs). */
  writtenSize = 0;
  /** Records below this index are in the file and can be read. */
  writtenCount = 0;
  /** No more appends: the writer has moved on to a newer segment. */
  sealed = false;
  compacting = false;
  /** Deleted or replaced by its compacted successor: late readers must drop what they read. */
  deleted = false;
  /** The file does not exist yet: the writer creates it with its first batch. */
  create = false;
  private opening: Promise<FileHandle> | null = null;

  constructor(dir: string, id: number, firstSeq: number, generation: number, capacity = 1024) {
    this.id = id;
    this.path = join(dir, segmentFileName(id));
    this.firstSeq = firstSeq;
    this.generation = generation;
    this.offsets = new Uint32Array(capacity);
  }

  /** Appends record `count` at file offset `offset` (0 for a hole) with its sequence offset. */
  push(offset: number, seqOffset: number): void {
    if (this.count === this.offsets.length) {
      this.offsets = grow(this.offsets);
      if (this.seqOffsets !== null) this.seqOffsets = grow(this.seqOffsets);
    }
    if (this.seqOffsets !== null) this.seqOffsets[this.count] = seqOffset;
    this.offsets[this.count++] = offset;
  }

  /** Marks the segment as compacted: from now on sequence offsets are kept per record. */
  markCompacted(): void {
    this.compacted = true;
    this.seqOffsets ??= new Uint32Array(this.offsets.length);
  }

  /** Gives back the index's unused capacity (up to half of it after the doublings). */
  trimIndex(): void {
    if (this.offsets.length > this.count) this.offsets = this.offsets.slice(0, this.count);
    if (this.seqOffsets !== null && this.seqOffsets.length > this.count) this.seqOffsets = this.seqOffsets.slice(0, this.count);
  }

  /** Sequence number of record `index`; for index == count, the one the next record would get. */
  seqAt(index: number): number {
    const so = this.seqOffsets;
    if (so === null) return this.firstSeq + index;
    if (index < this.count) return this.firstSeq + (so[index] as number);
    return this.firstSeq + (this.count === 0 ? 0 : (so[this.count - 1] as number) + 1) + (index - this.count);
  }

  /** The first index whose sequence is >= `seq` (count when none is). */
  lowerBound(seq: number): number {
    const so = this.seqOffsets;
    const rel = seq - this.firstSeq;
    if (rel <= 0) return 0;
    if (so === null) return Math.min(rel, this.count);
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((so[mid] as number) < rel) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The current index of the message at `pos`, or -1 when it is not in this segment (any more).
   * Fast path: the index still holds that sequence; else (after a compaction) a binary search.
   */
  resolve(pos: SegmentPosition): number {
    const i = pos.index;
    if (i < this.count && this.seqAt(i) === pos.seq) return i;
    if (!this.compacted) return -1;
    let j = this.lowerBound(pos.seq);
    while (j < this.count && this.offsets[j] === 0) j++; // a hole shares its predecessor's seqOffset
    return j < this.count && this.seqAt(j) === pos.seq ? j : -1;
  }

  positionAt(index: number): SegmentPosition {
    return { segmentId: this.id, index, seq: this.seqAt(index) };
  }

  /** Where the bytes of record `index` end: the next record's offset, or the end of the file. */
  recordEnd(index: number): number {
    const offsets = this.offsets;
    for (let k = index + 1; k < this.count; k++) {
      const o = offsets[k] as number;
      if (o !== 0) return o;
    }
    return this.size;
  }

  /** The file, opened once on first use (read-write: the head is appended to). */
  handle(): Promise<FileHandle> {
    // a reader that looked this segment up before it was deleted must not reopen the file
    if (this.deleted) return Promise.reject(new Error(`segment ${this.id} is gone`));
    segmentFiles.used(this);
    // a queue's directory is made with its first file: an empty queue has none
    this.opening ??= this.create ? mkdir(dirname(this.path), { recursive: true }).then(() => open(this.path, "wx+")) : open(this.path, "r+");
    this.create = false;
    return this.opening;
  }

  /** Takes an open handle (compaction opened the new file under its temporary name). */
  adoptHandle(h: FileHandle): void {
    this.opening = Promise.resolve(h);
    segmentFiles.used(this);
  }

  /** When the file was used last (performance.now()), for the pool of open files. */
  lastUsed = 0;

  /** The pool of open files closes this one; the next handle() reopens it. */
  closeIdle(): void {
    const h = this.opening;
    this.opening = null;
    h?.then((f) => f.close()).catch(() => undefined);
  }

  /** Closes the file; reads in flight finish first (FileHandle.close waits for them). */
  async close(): Promise<void> {
    segmentFiles.forget(this);
    const h = this.opening;
    this.opening = null;
    if (h !== null) await (await h).close();
  }
}

function grow(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(Math.max(64, a.length * 2));
  b.set(a);
  return b;
}

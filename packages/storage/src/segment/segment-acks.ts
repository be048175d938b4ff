/**
 * The ack state of one segment inside the AckTracker: the bitmap of acknowledged indexes, the
 * acks not yet flushed, and the segment's ack file.
 *
 *   delta:  [ 7 | 9 | 8 | 12 | ... ]   acks in arrival order since the last flush (plain JS array)
 *                      ^ applied        acked.addMany(delta[applied..]) on the next query or flush
 *   acked:  RoaringBitmap32 of every acknowledged index (segment-relative, u32)
 */
import { RoaringBitmap32 } from "./roaring.js";
import type { RoaringBitmap32 as Bitmap } from "roaring";
import type { FileHandle } from "node:fs/promises";


export class SegmentAcks {
  acked: Bitmap = new RoaringBitmap32();
  delta: Uint32Array = new Uint32Array(64);
  deltaLen = 0;
  /** delta[0, applied) is already in `acked`. */
  applied = 0;
  /** File length; 0 = no file yet (the first flush creates it whole: .tmp, then rename). */
  fileBytes = 0;
  handle: FileHandle | null = null;
  /** A compaction is swapping this segment's files: flushes leave it alone. */
  held = false;
  /** Write the whole bitmap as a new file at the next flush. */
  rewrite = false;
  writing: Promise<void> | null = null;

  constructor(public generation: number) {}

  push(index: number): void {
    if (this.deltaLen === this.delta.length) {
      const grown = new Uint32Array(this.delta.length * 2);
      grown.set(this.delta);
      this.delta = grown;
    }
    this.delta[this.deltaLen++] = index;
  }

  /** Brings `acked` up to date with the delta. */
  apply(): Bitmap {
    if (this.applied < this.deltaLen) {
      this.acked.addMany(this.delta.subarray(this.applied, this.deltaLen));
      this.applied = this.deltaLen;
    }
    return this.acked;
  }

  /**
   * The first index in [from, to) not acknowledged, or `to`. Gallops over acked runs with
   * rangeCardinality, then binary-searches the window: O(log n) native calls, not one per ack.
   */
  firstUnacked(from: number, to: number): number {
    if (from >= to) return from;
    const b = this.apply();
    let i = from;
    for (let step = 64; i < to; step *= 2) {
      const end = Math.min(to, i + step);
      if (b.rangeCardinality(i, end) === end - i) {
        i = end;
        continue;
      }
      let lo = i; // [i, lo) is all acked, [i, hi) is not: so once hi = lo + 1, lo is the answer
      let hi = end;
      while (hi - lo > 1) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (b.rangeCardinality(i, mid) === mid - i) lo = mid;
        else hi = mid;
      }
      return lo;
    }
    return to;
  }
}

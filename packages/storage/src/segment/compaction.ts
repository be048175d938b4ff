/**
 * Compaction of a mostly acknowledged segment: its unacknowledged messages are copied, in order,
 * into a new file that replaces it under the same id, so that one old unacked message never pins
 * a whole 64 MiB file. Records keep their sequence number (their identity); their index changes.
 *
 *   seg-X.dat  gen g   | hdr | a | b | C | d | E | f |      (lower case: acknowledged)
 *   seg-X.dat  gen g+1 | hdr | C | E |                    C: index 0, seqOffset 2; E: index 1, seqOffset 4
 *
 * Crash safety, in this order (the data rename is the commit point):
 *   1. write seg-X.dat.tmp (generation g+1, flag COMPACTED), fdatasync
 *   2. hold the segment's ack flushes; write seg-X.ack.tmp: generation g+1, the acks that came in
 *      during step 1, renumbered; fdatasync
 *   3. rename seg-X.dat.tmp -> seg-X.dat                 crash before: old files, nothing lost
 *   4. rename seg-X.ack.tmp -> seg-X.ack, fsync the dir   crash before: the old ack file says g, the
 *                                                          data says g+1: recovery takes the .tmp
 * Acks arriving during 3-4 are renumbered in memory and written by the next flush.
 */
import { RoaringBitmap32 } from "./roaring.js";
import type { FileHandle } from "node:fs/promises";
import { open, rename, rm } from "node:fs/promises";
import type { AckTracker } from "../ack-tracker.js";
import { readAt, writeFully } from "./file-io.js";
import {
  FLAG_COMPACTED,
  RECORD_HEADER_SIZE,
  SEGMENT_HEADER_SIZE,
  recordCrcMatches,
  recordIndex,
  recordLength,
  writeRecord,
  writeSegmentHeader,
} from "./record.js";
import { Segment } from "./segment.js";
import type { SegmentPosition } from "./segment-position.js";

const WINDOW = 1024 * 1024;

export interface CompactionResult {
  readonly segmentId: number;
  /** The segment's generation after the compaction. */
  readonly generation: number;
  /** Every message kept, in order, with its position before and after. */
  readonly moved: ReadonlyArray<{ readonly from: SegmentPosition; readonly to: SegmentPosition }>;
  /** Acknowledged (or unreadable) messages dropped. */
  readonly removed: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

/**
 * Copies the live records of `seg` (sealed, fully written) to a new generation of it. At the
 * commit point, in the same synchronous step as the ack tracker's switch to the new numbering,
 * `replace` puts the new Segment in place of the old one (which is marked deleted). Also returns
 * an error that happened after the commit point: the compaction still happened.
 */
export async function compactSegment(
  dir: string,
  seg: Segment,
  acks: AckTracker,
  sync: boolean,
  replace: (next: Segment) => void,
): Promise<{ readonly segment: Segment; readonly result: CompactionResult; readonly error: Error | null }> {
  const before = (acks.acked(seg.id) as InstanceType<typeof RoaringBitmap32>).clone();
  const next = new Segment(dir, seg.id, seg.firstSeq, seg.generation + 1);
  next.markCompacted();
  const tmp = `${seg.path}.tmp`;
  const h = await open(tmp, "w+");
  let held = false;
  try {
    const kept = await copyLive(seg, next, before, h);
    if (sync) await h.datasync();
    await acks.hold(seg.id);
    held = true;
    const written = renumber(acks.acked(seg.id), before, kept);
    const bytes = await acks.writeSnapshot(seg.id, next.generation, written);
    await rename(tmp, seg.path);
    // From here to commit()'s first await, nothing else runs: no ack can slip between the two.
    const all = renumber(acks.acked(seg.id), before, kept);
    next.adoptHandle(h);
    next.sealed = true;
    next.writtenCount = next.count;
    seg.deleted = true;
    replace(next); // positions now resolve against the new numbering, as the tracker's acks do
    const moved = Array.from(kept, (old, i) => ({ from: seg.positionAt(old), to: next.positionAt(i) }));
    const result: CompactionResult = {
      segmentId: seg.id,
      generation: next.generation,
      moved,
      removed: seg.count - kept.length,
      bytesBefore: seg.size,
      bytesAfter: next.size,
    };
    const committed = acks.commit(seg.id, next.generation, all, written, bytes);
    held = false;
    // Committed: whatever fails now, `next` is the segment. A failed ack rename leaves the .tmp,
    // which recovery picks up by its generation. (commit() fsyncs the directory: both renames.)
    let error: Error | null = null;
    try {
      await committed;
    } catch (e) {
      error = e as Error;
    }
    return { segment: next, result, error };
  } catch (e) {
    if (!seg.deleted) {
      await h.close();
      await rm(tmp, { force: true });
    }
    if (held) await acks.release(seg.id);
    throw e;
  }
}

/** Copies the records of `seg` not in `acked` into `h` as `next`; returns their old indexes. */
async function copyLive(seg: Segment, next: Segment, acked: InstanceType<typeof RoaringBitmap32>, h: FileHandle): Promise<Uint32Array> {
  const ackedList = acked.toUint32Array();
  const live: number[] = [];
  for (let k = 0, a = 0; k < seg.count; k++) {
    while (a < ackedList.length && (ackedList[a] as number) < k) a++;
    if (ackedList[a] !== k && seg.offsets[k] !== 0) live.push(k);
  }
  let out = Buffer.allocUnsafe(WINDOW + SEGMENT_HEADER_SIZE);
  let outLen = writeSegmentHeader(out, 0, { segmentId: seg.id, firstSeq: seg.firstSeq, generation: next.generation, flags: FLAG_COMPACTED });
  let fileOffset = 0;
  const kept: number[] = [];
  const src = await seg.handle();
  for (let x = 0; x < live.length; ) {
    // one read covering as many live records as fit in WINDOW (at least one)
    const start = seg.offsets[live[x] as number] as number;
    let y = x + 1;
    while (y < live.length && seg.recordEnd(live[y] as number) - start <= WINDOW) y++;
    const buf = await readAt(src, start, seg.recordEnd(live[y - 1] as number) - start);
    for (; x < y; x++) {
      const k = live[x] as number;
      const p = (seg.offsets[k] as number) - start;
      const len = recordLength(buf, p);
      if (p + RECORD_HEADER_SIZE + len > buf.length || recordIndex(buf, p) !== k || !recordCrcMatches(buf, p, len)) continue;
      const need = RECORD_HEADER_SIZE + len;
      if (outLen + need > out.length) {
        await writeFully(h, out, 0, outLen, fileOffset);
        fileOffset += outLen;
        outLen = 0;
        if (need > out.length) out = Buffer.allocUnsafe(need);
      }
      const seqOffset = seg.seqAt(k) - seg.firstSeq;
      next.push(fileOffset + outLen, seqOffset);
      outLen = writeRecord(out, outLen, next.count - 1, seqOffset, buf.subarray(p + RECORD_HEADER_SIZE, p + need));
      kept.push(k);
    }
  }
  await writeFully(h, out, 0, outLen, fileOffset);
  next.size = next.writtenSize = fileOffset + outLen;
  next.trimIndex();
  return Uint32Array.from(kept);
}

/** The acks in `now` but not in `before`, as new indexes (positions in `kept`). */
function renumber(
  now: ReturnType<AckTracker["acked"]>,
  before: InstanceType<typeof RoaringBitmap32>,
  kept: Uint32Array,
): InstanceType<typeof RoaringBitmap32> {
  const late = RoaringBitmap32.andNot(now, before).toUint32Array();
  const out = new RoaringBitmap32();
  const renumbered: number[] = [];
  for (const old of late) {
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((kept[mid] as number) < old) lo = mid + 1;
      else hi = mid;
    }
    if (kept[lo] === old) renumbered.push(lo);
  }
  out.addMany(renumbered);
  return out;
}

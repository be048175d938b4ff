/**
 * Reading messages back: in batches from a cursor (a consumer catching up with a backlog) and one
 * at a time by position. A batch is ONE pread of up to `maxBytes` of consecutive records; the
 * payloads handed out are views into that read's buffer (no copy per message).
 *
 *   offsets:  [ 32 | 300 | 572 | 844 | ... ]
 *                    i                 j          read [offsets[i], offsets[j]) once, then
 *   file:   | hdr | rec | rec | rec | rec | rec |  cut the payloads out by the offsets
 *
 * A compaction or deletion may swap the segment while the read is in flight. The reader then
 * drops what it read and starts again from its cursor: a cursor is resolved by sequence number,
 * so it stays right across a renumbering.
 */
import type { AckTracker } from "../ack-tracker.js";
import { readAt } from "./file-io.js";
import { RECORD_HEADER_SIZE, recordCrcMatches, recordIndex, recordLength } from "./record.js";
import type { Segment } from "./segment.js";
import type { SegmentPosition } from "./segment-position.js";
import type { SegmentSet } from "./segment-set.js";

export interface StoredMessage {
  readonly position: SegmentPosition;
  readonly payload: Buffer;
}

export interface ReadBatch {
  /** In sequence order; empty when the cursor has caught up with what is appended. */
  readonly messages: StoredMessage[];
  /** Where the next batch starts. */
  readonly next: SegmentPosition;
}

/** A cursor before every message. */
export const START: SegmentPosition = { segmentId: 0, index: 0, seq: 0 };

export class SegmentReader {
  /** Records whose crc did not check when read back (corrupted after the scan at open). */
  corruptReads = 0;

  constructor(
    private readonly set: SegmentSet,
    private readonly acks: AckTracker,
    /** Resolves once appended records are written (random reads of the newest ones wait). */
    private readonly written: () => Promise<void>,
    /** Check each record's crc32 as it is read (about 0.4 µs per record: zlib.crc32's call cost). */
    private readonly verify: boolean,
  ) {}

  async readBatch(from: SegmentPosition, maxBytes: number, skipAcked: boolean): Promise<ReadBatch> {
    let cursor = from;
    for (;;) {
      const seg = this.set.atOrAfter(cursor.segmentId);
      if (seg === undefined) return { messages: [], next: cursor };
      const n = seg.writtenCount;
      const offsets = seg.offsets;
      let i = seg.id === cursor.segmentId ? seg.lowerBound(cursor.seq) : 0;
      for (;;) {
        if (skipAcked) i = this.acks.firstUnacked(seg.id, i, n);
        if (i < n && offsets[i] === 0) i++;
        else break;
      }
      if (i >= n) {
        if (i < seg.count) {
          await this.written(); // appended, still in the writer's batch
          continue;
        }
        const after = this.set.atOrAfter(seg.id + 1);
        if (!seg.sealed || after === undefined) return { messages: [], next: seg.positionAt(i) };
        cursor = after.positionAt(0);
        continue;
      }
      const start = offsets[i] as number;
      let j = i + 1;
      while (j < n && ((offsets[j] as number) === 0 || (offsets[j] as number) - start < maxBytes)) j++;
      const end = Math.min(seg.recordEnd(j - 1), seg.writtenSize);
      let buf: Buffer;
      try {
        buf = await readAt(await seg.handle(), start, end - start);
      } catch (e) {
        if (seg.deleted) continue;
        throw e;
      }
      if (seg.deleted) continue; // compacted or deleted meanwhile: resolve the cursor again
      const messages = this.cut(seg, buf, start, i, j, skipAcked);
      cursor = seg.positionAt(j);
      if (messages.length > 0) return { messages, next: cursor };
    }
  }

  /** The message at `pos`, or undefined when it is gone (acknowledged and deleted, or corrupt). */
  async read(pos: SegmentPosition): Promise<Buffer | undefined> {
    for (;;) {
      const seg = this.set.get(pos.segmentId);
      if (seg === undefined) return undefined;
      const i = seg.resolve(pos);
      if (i < 0 || seg.offsets[i] === 0) return undefined;
      if (i >= seg.writtenCount) {
        await this.written();
        continue;
      }
      const start = seg.offsets[i] as number;
      let buf: Buffer;
      try {
        buf = await readAt(await seg.handle(), start, seg.recordEnd(i) - start);
      } catch (e) {
        if (seg.deleted) continue;
        throw e;
      }
      if (seg.deleted) continue;
      return this.cut(seg, buf, start, i, i + 1, false)[0]?.payload;
    }
  }

  /** Cuts records [i, j) of `seg` out of `buf`, which holds the file from offset `start`. */
  private cut(seg: Segment, buf: Buffer, start: number, i: number, j: number, skipAcked: boolean): StoredMessage[] {
    const out: StoredMessage[] = [];
    const offsets = seg.offsets;
    const checkAcks = skipAcked && this.acks.anyAcked(seg.id, i, j);
    for (let k = i; k < j; k++) {
      const o = offsets[k] as number;
      if (o === 0) continue;
      const p = o - start;
      if (p + RECORD_HEADER_SIZE > buf.length) break;
      const len = recordLength(buf, p);
      if (p + RECORD_HEADER_SIZE + len > buf.length || recordIndex(buf, p) !== k || (this.verify && !recordCrcMatches(buf, p, len))) {
        this.corruptReads++;
        continue;
      }
      if (checkAcks && this.acks.isAcked(seg.id, k)) continue;
      out.push({ position: seg.positionAt(k), payload: buf.subarray(p + RECORD_HEADER_SIZE, p + RECORD_HEADER_SIZE + len) });
    }
    return out;
  }
}

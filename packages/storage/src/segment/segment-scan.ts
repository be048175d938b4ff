/**
 * Recovery of one segment file: reads it front to back in 4 MiB chunks, checks every record's
 * crc32 and rebuilds the in-memory offset index. Never throws on bad data:
 *
 *   | header | rec 0 | rec 1 | ~~garbage~~ | rec 3 | rec 4 | ~~torn~~ |
 *                            \___ corrupt __/               \_ tail __/
 *                         skipped, reported; index 2      truncated, reported
 *                         becomes a hole (acked)
 *
 * After a bad record the scan looks for the next record that checks, one octet at a time. A
 * candidate must first pass cheap tests (its index follows the last good one, and by no more than
 * the skipped octets could hold; in an uncompacted segment seqOffset == index), then its crc32.
 * Found: the bad span was in the middle, and the indexes written in the records keep later acks
 * pointing at the right messages. Not found: it was the torn tail of an interrupted batch.
 */
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { readAt } from "./file-io.js";
import {
  FLAG_COMPACTED,
  RECORD_HEADER_SIZE,
  SEGMENT_HEADER_SIZE,
  readSegmentHeader,
  recordCrcMatches,
  recordIndex,
  recordLength,
  recordSeqOffset,
} from "./record.js";
import { MAX_RECORDS_PER_SEGMENT, Segment } from "./segment.js";
import { segmentFileName } from "./segment-position.js";

const CHUNK = 4 * 1024 * 1024;

export interface SegmentScan {
  /** null when the header is missing (a file torn at creation) or corrupt. */
  readonly segment: Segment | null;
  readonly headerProblem: "torn" | "corrupt" | null;
  /** Indexes of records skipped because they did not check. */
  readonly holes: number[];
  /** Spans skipped in the middle of the file: [offset, octets]. */
  readonly corrupt: Array<{ offset: number; bytes: number }>;
  /** The torn tail cut off, if any. */
  readonly torn: { offset: number; bytes: number } | null;
}

export async function scanSegment(dir: string, id: number): Promise<SegmentScan> {
  const h = await open(join(dir, segmentFileName(id)), "r+");
  try {
    const fileSize = (await h.stat()).size;
    const header = readSegmentHeader(await readAt(h, 0, SEGMENT_HEADER_SIZE));
    if (header === null || header.segmentId !== id) {
      const problem = fileSize < SEGMENT_HEADER_SIZE ? "torn" : "corrupt";
      return { segment: null, headerProblem: problem, holes: [], corrupt: [], torn: null };
    }
    const seg = new Segment(dir, id, header.firstSeq, header.generation);
    if ((header.flags & FLAG_COMPACTED) !== 0) seg.markCompacted();
    const scan = new Scan(seg, fileSize);
    await scan.run(h);
    seg.size = seg.writtenSize = scan.end;
    seg.writtenCount = seg.count;
    seg.trimIndex();
    let torn: SegmentScan["torn"] = null;
    if (scan.end < fileSize) {
      torn = { offset: scan.end, bytes: fileSize - scan.end };
      await h.truncate(scan.end);
      await h.datasync();
    }
    return { segment: seg, headerProblem: null, holes: scan.holes, corrupt: scan.corrupt, torn };
  } finally {
    await h.close();
  }
}

class Scan {
  readonly holes: number[] = [];
  readonly corrupt: Array<{ offset: number; bytes: number }> = [];
  /** End of the last good record: where the file is cut if nothing good follows. */
  end = SEGMENT_HEADER_SIZE;
  private lastIndex = -1;
  private lastSeqOffset = -1;
  /** Sized to the file when it is smaller than a chunk: recovering 10,000 small queues allocates little. */
  private buf: Buffer;
  /** Why accept() stopped: the chunk ran out, or a record did not check. */
  private stoppedOn: "more" | "bad" = "more";

  constructor(
    private readonly seg: Segment,
    private readonly fileSize: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(RECORD_HEADER_SIZE, Math.min(CHUNK, fileSize - SEGMENT_HEADER_SIZE)));
  }

  async run(h: FileHandle): Promise<void> {
    let off = SEGMENT_HEADER_SIZE;
    while (off < this.fileSize) {
      const chunk = await readAt(h, off, Math.min(this.buf.length, this.fileSize - off), this.buf);
      off += this.accept(chunk, off);
      if (this.stoppedOn === "more") continue;
      // a record that does not check starts at `off`
      const next = await this.findNext(h, off + 1);
      if (next < 0) return;
      this.corrupt.push({ offset: off, bytes: next - off });
      off = next;
    }
  }

  /** Takes the good records at the start of `chunk` (file offset `base`); returns octets used. */
  private accept(chunk: Buffer, base: number): number {
    let p = 0;
    for (;;) {
      if (p + RECORD_HEADER_SIZE > chunk.length) {
        this.stoppedOn = base + p + RECORD_HEADER_SIZE > this.fileSize ? "bad" : "more";
        return p;
      }
      const len = recordLength(chunk, p);
      const end = p + RECORD_HEADER_SIZE + len;
      if (base + end > this.fileSize || !this.plausible(chunk, p, base + p)) break;
      if (end > chunk.length) {
        // the record crosses the chunk's end: read again from its start, in a buffer that fits it
        if (p === 0) this.buf = Buffer.allocUnsafe(RECORD_HEADER_SIZE + len);
        this.stoppedOn = "more";
        return p;
      }
      if (!recordCrcMatches(chunk, p, len)) break;
      this.take(chunk, p, base + p, base + end);
      p = end;
    }
    this.stoppedOn = "bad";
    return p;
  }

  /** Cheap tests a record must pass before its crc is even computed. */
  private plausible(buf: Buffer, p: number, fileOffset: number): boolean {
    const index = recordIndex(buf, p);
    const so = recordSeqOffset(buf, p);
    if (index <= this.lastIndex || index >= MAX_RECORDS_PER_SEGMENT) return false;
    // every record takes at least RECORD_HEADER_SIZE octets, so the skipped span bounds the gap
    if (index - this.lastIndex - 1 > (fileOffset - this.end) / RECORD_HEADER_SIZE) return false;
    return this.seg.compacted ? so > this.lastSeqOffset && so >= index : so === index;
  }

  private take(buf: Buffer, p: number, fileOffset: number, fileEnd: number): void {
    const index = recordIndex(buf, p);
    const so = recordSeqOffset(buf, p);
    for (let k = this.lastIndex + 1; k < index; k++) {
      this.seg.push(0, this.seg.compacted ? Math.max(this.lastSeqOffset, 0) : k);
      this.holes.push(k);
    }
    this.seg.push(fileOffset, so);
    this.lastIndex = index;
    this.lastSeqOffset = so;
    this.end = fileEnd;
  }

  /** The offset of the first record at or after `from` that checks, or -1. Slow; only after damage. */
  private async findNext(h: FileHandle, from: number): Promise<number> {
    const win = Buffer.allocUnsafe(CHUNK);
    for (let start = from; start + RECORD_HEADER_SIZE <= this.fileSize; ) {
      const chunk = await readAt(h, start, Math.min(CHUNK, this.fileSize - start), win);
      const last = chunk.length - RECORD_HEADER_SIZE;
      for (let q = 0; q <= last; q++) {
        const len = recordLength(chunk, q);
        if (start + q + RECORD_HEADER_SIZE + len > this.fileSize || !this.plausible(chunk, q, start + q)) continue;
        const whole =
          q + RECORD_HEADER_SIZE + len <= chunk.length
            ? chunk.subarray(q)
            : await readAt(h, start + q, RECORD_HEADER_SIZE + len);
        if (recordCrcMatches(whole, 0, len)) return start + q;
      }
      start += last + 1;
    }
    return -1;
  }
}

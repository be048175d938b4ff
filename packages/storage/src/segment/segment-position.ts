/**
 * Where a message lives in a queue's segment directory, and the names of the files there.
 *
 *   <queue dir>/
 *     seg-0000000000000000.dat   messages, append-only (see record.ts for the layout)
 *     seg-0000000000000000.ack   acknowledged indexes of that segment (see ack-file.ts)
 *     seg-0000000000000001.dat   ... ids grow by one per segment and are never reused
 *     seg-0000000000000001.dat.tmp   a compaction in progress (deleted at open)
 *
 * A position has three numbers. `segmentId` and `seq` are safe JS integers (up to 2^53 - 1), so
 * nothing wraps at 2^32 messages overall; `index` is segment-relative and 32-bit, which is what the
 * per-segment roaring bitmaps of acks hold. `seq` is the message's identity: it never changes,
 * while compaction renumbers `index`. Any position the store handed out stays usable after a
 * compaction: the store looks the message up by `seq` when `index` no longer matches.
 */

export interface SegmentPosition {
  /** The segment file the message is in (`seg-<16 hex digits>.dat`). */
  readonly segmentId: number;
  /** Record number within the segment, 0-based, < 2^32. */
  readonly index: number;
  /** Global sequence number of the message in this queue: its identity, kept by compaction. */
  readonly seq: number;
}

const ID_DIGITS = 16;
const DATA_FILE = /^seg-([0-9a-f]{16})\.dat$/;
const ACK_FILE = /^seg-([0-9a-f]{16})\.ack$/;

function hex(segmentId: number): string {
  if (!Number.isSafeInteger(segmentId) || segmentId < 0) throw new RangeError(`bad segment id ${segmentId}`);
  return segmentId.toString(16).padStart(ID_DIGITS, "0");
}

/** `seg-<16 hex digits>.dat`. */
export function segmentFileName(segmentId: number): string {
  return `seg-${hex(segmentId)}.dat`;
}

/** `seg-<16 hex digits>.ack`. */
export function ackFileName(segmentId: number): string {
  return `seg-${hex(segmentId)}.ack`;
}

/** The segment id of a data file name, or -1 when the name is not one. */
export function parseSegmentFileName(name: string): number {
  return parseId(DATA_FILE.exec(name));
}

/** The segment id of an ack file name, or -1 when the name is not one. */
export function parseAckFileName(name: string): number {
  return parseId(ACK_FILE.exec(name));
}

function parseId(m: RegExpExecArray | null): number {
  if (m === null) return -1;
  const id = Number.parseInt(m[1] as string, 16);
  return Number.isSafeInteger(id) ? id : -1;
}

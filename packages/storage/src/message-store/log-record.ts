/**
 * The write-ahead log record of a persistent publish: one per publish, whatever the number of
 * durable queues it reached (fanout to 10 durable queues is one log record and one fdatasync
 * share):
 *
 *   | n:u16 | n x (storeId:u32, seq:u32 hi, u32 lo) | the record (the codec's bytes) |
 *
 * (storeId, seq) says where the message went: at recovery a queue whose segments end before
 * `seq` lost it (its segment writes are not synced per batch) and gets it back from here.
 */
const TARGET_SIZE = 12;
const TWO_32 = 2 ** 32;

/** Size of a log record for `targets` destinations and a segment record of `recordSize`. */
export function logRecordSize(targets: number, recordSize: number): number {
  return 2 + targets * TARGET_SIZE + recordSize;
}

/** Writes destination `i` of a log record: the message got `seq` in the segments of store `storeId`. */
export function writeLogTarget(buf: Buffer, i: number, storeId: number, seq: number): void {
  const o = 2 + i * TARGET_SIZE;
  buf.writeUInt32BE(storeId, o);
  buf.writeUInt32BE(Math.floor(seq / TWO_32), o + 4);
  buf.writeUInt32BE(seq >>> 0, o + 8);
}

/** Writes how many destinations a log record has. */
export function writeLogTargetCount(buf: Buffer, n: number): void {
  buf.writeUInt16BE(n, 0);
}

/** Destinations in a log record. */
export function logTargetCount(payload: Buffer): number {
  return payload.readUInt16BE(0);
}

/** The store id of destination `i` of a log record. */
export function logTargetStore(payload: Buffer, i: number): number {
  return payload.readUInt32BE(2 + i * TARGET_SIZE);
}

/** The seq the message got in destination `i`'s segments. */
export function logTargetSeq(payload: Buffer, i: number): number {
  const o = 2 + i * TARGET_SIZE;
  return payload.readUInt32BE(o + 4) * TWO_32 + payload.readUInt32BE(o + 8);
}

/** The segment record inside a log record. */
export function logMessage(payload: Buffer): Buffer {
  return payload.subarray(2 + logTargetCount(payload) * TARGET_SIZE);
}

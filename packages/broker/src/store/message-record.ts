/**
 * How a message is laid out on disk. Storage sees opaque payloads; these are the broker's.
 *
 * In a queue's segments, one record per message in that queue:
 *
 *   0       1      2       2+e    3+e      3+e+r         7+e+r        7+e+r+p
 *   | flags | e:u8 | exchange | r:u8 | routing key | p:u32 | properties | body ... |
 *     bit 0: persistent (delivery-mode 2); a transient one is dropped at recovery
 *     bit 1: timed: 8 octets after the flags hold when it was published (ms, u32 hi, u32 lo), for a
 *            message with a TTL: its deadline in each queue survives a restart
 *
 * In the write-ahead log, one record per persistent publish, whatever the number of durable
 * queues it reached (fanout to 10 durable queues is one log record and one fdatasync share):
 *
 *   | n:u16 | n x (storeId:u32, seq:u32 hi, u32 lo) | the segment record above |
 *
 * (storeId, seq) says where the message went: at recovery a queue whose segments end before
 * `seq` lost it (its segment writes are not synced per batch) and gets it back from here.
 */
import { Message } from "../message.js";

export const PERSISTENT = 1;
export const TIMED = 2;
const TARGET_SIZE = 12;
const TWO_32 = 2 ** 32;

/** Octets the segment record of `message` takes. */
export function messageRecordSize(message: Message): number {
  return (message.arrivedAt > 0 ? 15 : 7) + Buffer.byteLength(message.exchange) + Buffer.byteLength(message.routingKey) + message.rawProperties.length + message.body.length;
}

/** Writes the segment record of `message` at `offset`; returns the end. `buf` must have room. */
export function writeMessageRecord(buf: Buffer, offset: number, message: Message, flags: number): number {
  let o = offset;
  const at = message.arrivedAt;
  buf[o++] = at > 0 ? flags | TIMED : flags;
  if (at > 0) {
    buf.writeUInt32BE(Math.floor(at / TWO_32), o);
    buf.writeUInt32BE(at >>> 0, o + 4);
    o += 8;
  }
  o = writeShortString(buf, o, message.exchange);
  o = writeShortString(buf, o, message.routingKey);
  const props = message.rawProperties;
  buf.writeUInt32BE(props.length, o);
  o += 4;
  o += props.copy(buf, o);
  o += message.body.copy(buf, o);
  return o;
}

/**
 * The message in a segment record. Properties and body are views into `payload` (the caller's
 * read buffer): the queue compacts the ones it keeps.
 */
export function readMessageRecord(payload: Buffer): Message {
  let o = 1;
  let at = 0;
  if ((payload[0]! & TIMED) !== 0) {
    at = payload.readUInt32BE(1) * TWO_32 + payload.readUInt32BE(5);
    o = 9;
  }
  const el = payload[o++]!;
  const exchange = payload.toString("utf8", o, o + el);
  o += el;
  const rl = payload[o++]!;
  const routingKey = payload.toString("utf8", o, o + rl);
  o += rl;
  const pl = payload.readUInt32BE(o);
  o += 4;
  const m = new Message(exchange, routingKey, payload.subarray(o, o + pl), payload.subarray(o + pl));
  m.arrivedAt = at;
  return m;
}

/** Octets of the body in a segment record. */
export function recordBodySize(payload: Buffer): number {
  let o = (payload[0]! & TIMED) !== 0 ? 9 : 1;
  o += 1 + payload[o]!;
  o += 1 + payload[o]!;
  return payload.length - (o + 4 + payload.readUInt32BE(o));
}

export function isPersistentRecord(payload: Buffer): boolean {
  return (payload[0]! & PERSISTENT) !== 0;
}

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

function writeShortString(buf: Buffer, o: number, s: string): number {
  const n = buf.write(s, o + 1, "utf8");
  buf[o] = n;
  return o + 1 + n;
}

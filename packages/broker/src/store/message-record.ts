/**
 * How a message is laid out on disk. Storage sees opaque payloads; these are the broker's, given
 * to @amqp-go/storage's MessageStore as a RecordCodec (MESSAGE_CODEC below).
 *
 * In a queue's segments, one record per message in that queue:
 *
 *   0       1      2       2+e    3+e      3+e+r         7+e+r        7+e+r+p
 *   | flags | e:u8 | exchange | r:u8 | routing key | p:u32 | properties | body ... |
 *     bit 0: persistent (delivery-mode 2); a transient one is dropped at recovery
 *     bit 1: timed: 8 octets after the flags hold when it was published (ms, u32 hi, u32 lo), for a
 *            message with a TTL: its deadline in each queue survives a restart
 *
 * In the write-ahead log the storage frames this record with the queues it went to
 * (@amqp-go/storage message-store/log-record.ts).
 */
import type { RecordCodec } from "@amqp-go/storage";
import { Message } from "../message.js";

export const PERSISTENT = 1;
export const TIMED = 2;
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

function writeShortString(buf: Buffer, o: number, s: string): number {
  const n = buf.write(s, o + 1, "utf8");
  buf[o] = n;
  return o + 1 + n;
}

/** The broker's messages as storage writes and reads them: the segment record above. */
export const MESSAGE_CODEC: RecordCodec<Message> = {
  persistent: (message) => message.persistent,
  size: messageRecordSize,
  write: (buf, offset, message, persistent) => writeMessageRecord(buf, offset, message, persistent ? PERSISTENT : 0),
  isPersistent: isPersistentRecord,
  bodySize: recordBodySize,
  describe: (message) => ({ exchange: message.exchange }),
};

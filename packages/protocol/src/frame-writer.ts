/**
 * Frame writers. The functions write one frame into a caller's buffer at an offset and return the
 * offset after it; FrameWriter owns a growing buffer, gathers many frames (a whole tick of
 * deliveries) and hands them out as one Buffer for one socket write.
 *
 *   method:    1  channel:u16 size:u32  class:u16 method:u16 arguments      0xCE
 *   header:    2  channel:u16 size:u32  class:u16 weight:u16 body-size:u64 property-flags properties 0xCE
 *   body:      3  channel:u16 size:u32  octets                              0xCE
 *   heartbeat: 8  0:u16       0:u32                                         0xCE
 */
import { bufferTooSmall, isBufferTooSmall } from "./errors.js";
import { FRAME_END, FrameType, PROTOCOL_VERSION } from "./generated/constants.js";
import { encodeMethod } from "./generated/method-codec.js";
import type { MethodArgs } from "./generated/methods.js";
import { type BasicProperties, encodeBasicProperties } from "./generated/properties.js";
import { writeLongLong } from "./primitives.js";

/** `AMQP 0 0 9 1`: what a client sends first, and what a server answers a wrong header with. */
export const PROTOCOL_HEADER: Buffer = Buffer.from([
  0x41,
  0x4d,
  0x51,
  0x50,
  0,
  PROTOCOL_VERSION.major,
  PROTOCOL_VERSION.minor,
  PROTOCOL_VERSION.revision,
]);

/** A heartbeat frame. */
export const HEARTBEAT_FRAME: Buffer = Buffer.from([FrameType.Heartbeat, 0, 0, 0, 0, 0, 0, FRAME_END]);

/** Octets a frame adds around its payload: type, channel, size, frame-end. */
export const FRAME_OVERHEAD = 8;

function frameStart(b: Buffer, o: number, type: number, channel: number): void {
  b[o] = type;
  b[o + 1] = channel >>> 8;
  b[o + 2] = channel & 0xff;
}

function frameEnd(b: Buffer, start: number, end: number): number {
  if (end >= b.length) throw bufferTooSmall(b, end);
  const size = end - start - 7;
  b[start + 3] = size >>> 24;
  b[start + 4] = size >>> 16;
  b[start + 5] = size >>> 8;
  b[start + 6] = size;
  b[end] = FRAME_END;
  return end + 1;
}

/** Writes a method frame; returns the offset after it. */
export function writeMethodFrame(b: Buffer, o: number, channel: number, method: MethodArgs): number {
  if (o + 7 > b.length) throw bufferTooSmall(b, o);
  frameStart(b, o, FrameType.Method, channel);
  return frameEnd(b, o, encodeMethod(b, o + 7, method));
}

/** Writes a content header frame with properties to encode; returns the offset after it. */
export function writeHeaderFrame(
  b: Buffer,
  o: number,
  channel: number,
  classId: number,
  bodySize: number,
  properties: BasicProperties,
): number {
  if (o + 19 > b.length) throw bufferTooSmall(b, o);
  frameStart(b, o, FrameType.Header, channel);
  b[o + 7] = classId >>> 8;
  b[o + 8] = classId & 0xff;
  b[o + 9] = 0;
  b[o + 10] = 0;
  writeLongLong(b, o + 11, bodySize);
  return frameEnd(b, o, encodeBasicProperties(b, o + 19, properties));
}

/**
 * Writes a content header frame whose property flags and list are already encoded (as a broker
 * passes on what the publisher sent); returns the offset after it.
 */
export function writeRawHeaderFrame(
  b: Buffer,
  o: number,
  channel: number,
  classId: number,
  bodySize: number,
  properties: Buffer,
): number {
  const end = o + 19 + properties.length;
  if (end + 1 > b.length) throw bufferTooSmall(b, o);
  frameStart(b, o, FrameType.Header, channel);
  b[o + 7] = classId >>> 8;
  b[o + 8] = classId & 0xff;
  b[o + 9] = 0;
  b[o + 10] = 0;
  writeLongLong(b, o + 11, bodySize);
  b.set(properties, o + 19);
  return frameEnd(b, o, end);
}

/** Writes `body[start..end]` as one body frame; returns the offset after it. */
export function writeBodyFrame(b: Buffer, o: number, channel: number, body: Uint8Array, start = 0, end = body.length): number {
  const stop = o + 7 + end - start;
  if (stop + 1 > b.length) throw bufferTooSmall(b, o);
  frameStart(b, o, FrameType.Body, channel);
  b.set(start === 0 && end === body.length ? body : body.subarray(start, end), o + 7);
  return frameEnd(b, o, stop);
}

/** Octets that the body frames of a `bodySize` body take at `frameMax` (0: no limit). */
export function bodyFramesSize(bodySize: number, frameMax: number): number {
  if (bodySize === 0) return 0;
  const max = frameMax === 0 ? bodySize : frameMax - FRAME_OVERHEAD;
  return bodySize + Math.ceil(bodySize / max) * FRAME_OVERHEAD;
}

export interface FrameWriterOptions {
  /** Negotiated frame_max: bodies are split so no frame exceeds it (0: no limit). Default 131072. */
  frameMax?: number;
  /** Initial buffer size; the writer grows it as needed. Default 64 KiB. */
  bufferSize?: number;
  /**
   * Bodies of at least this many octets are not copied: their frames point at the caller's Buffer,
   * and `takeChunks()` hands out the pieces for one gathered write (writev). Default: never.
   */
  referenceBodiesFrom?: number;
}

/** Free space asked for before a method frame: enough for any method without a big table. */
const METHOD_ROOM = 4096;

/**
 * Gathers frames into one buffer. Write a tick's worth of frames, then `take()` them for one socket
 * write; the writer continues after them in the same buffer until it is full, then starts a new one
 * (a taken Buffer is never written again).
 */
export class FrameWriter {
  frameMax: number;
  private buf: Buffer;
  private start = 0;
  private pos = 0;
  private readonly referenceFrom: number;
  /**
   * Pieces before [start, pos) not taken yet, when a body was referenced: views of this writer's
   * buffers and of the callers' bodies, in wire order.
   */
  private chunks: Buffer[] | null = null;
  private chunkBytes = 0;

  constructor(options: FrameWriterOptions = {}) {
    this.frameMax = options.frameMax ?? 131072;
    this.buf = Buffer.allocUnsafe(options.bufferSize ?? 65536);
    this.referenceFrom = options.referenceBodiesFrom ?? Number.POSITIVE_INFINITY;
  }

  /** Octets written and not yet taken. */
  get length(): number {
    return this.chunkBytes + this.pos - this.start;
  }

  /** Returns the frames written since the last take as one Buffer (a view when nothing was referenced). */
  take(): Buffer {
    if (this.chunks !== null) return Buffer.concat(this.takeChunks());
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    return out;
  }

  /**
   * Returns the frames written since the last take as pieces to write in order (one, unless a
   * body was referenced), and starts afresh. Write them corked: the socket gathers them in one writev.
   */
  takeChunks(): Buffer[] {
    const out = this.chunks ?? [];
    this.chunks = null;
    this.chunkBytes = 0;
    if (this.pos > this.start) out.push(this.buf.subarray(this.start, this.pos));
    this.start = this.pos;
    return out;
  }

  /** Closes the piece of own buffer written so far and adds `ref` after it. */
  private reference(ref: Buffer): void {
    const chunks = (this.chunks ??= []);
    if (this.pos > this.start) {
      chunks.push(this.buf.subarray(this.start, this.pos));
      this.chunkBytes += this.pos - this.start;
      this.start = this.pos;
    }
    chunks.push(ref);
    this.chunkBytes += ref.length;
  }

  /** Makes room for `n` more octets, moving the untaken octets to a new buffer if needed. */
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const pending = this.pos - this.start;
    let size = this.buf.length;
    while (size < pending + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = pending;
  }

  protocolHeader(): void {
    this.ensure(8);
    this.pos += PROTOCOL_HEADER.copy(this.buf, this.pos);
  }

  heartbeat(): void {
    this.ensure(8);
    this.pos += HEARTBEAT_FRAME.copy(this.buf, this.pos);
  }

  method(channel: number, method: MethodArgs): void {
    this.ensure(METHOD_ROOM);
    for (;;) {
      try {
        this.pos = writeMethodFrame(this.buf, this.pos, channel, method);
        return;
      } catch (e) {
        if (!isBufferTooSmall(e)) throw e;
        this.ensure(this.buf.length * 2 - this.pos);
      }
    }
  }

  /** A content header with properties to encode. */
  header(channel: number, classId: number, bodySize: number, properties: BasicProperties): void {
    this.ensure(METHOD_ROOM);
    for (;;) {
      try {
        this.pos = writeHeaderFrame(this.buf, this.pos, channel, classId, bodySize, properties);
        return;
      } catch (e) {
        if (!isBufferTooSmall(e)) throw e;
        this.ensure(this.buf.length * 2 - this.pos);
      }
    }
  }

  /** A content header with properties already encoded (flags and list). */
  rawHeader(channel: number, classId: number, bodySize: number, properties: Buffer): void {
    this.ensure(20 + properties.length);
    this.pos = writeRawHeaderFrame(this.buf, this.pos, channel, classId, bodySize, properties);
  }

  /** The body, split into frames of at most frameMax octets. */
  body(channel: number, body: Uint8Array): void {
    const size = body.length;
    if (size === 0) return;
    if (size >= this.referenceFrom) return this.bodyByReference(channel, body);
    this.ensure(bodyFramesSize(size, this.frameMax));
    const max = this.frameMax === 0 ? size : this.frameMax - FRAME_OVERHEAD;
    for (let at = 0; at < size; at += max) {
      this.pos = writeBodyFrame(this.buf, this.pos, channel, body, at, Math.min(size, at + max));
    }
  }

  /**
   * A big body is not copied (64 KiB bodies: a copy and a buffer allocation per message less):
   * each frame is its 7-octet header here, a view of the body, and the frame-end octet here.
   */
  private bodyByReference(channel: number, body: Uint8Array): void {
    const size = body.length;
    const whole = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, size);
    const max = this.frameMax === 0 ? size : this.frameMax - FRAME_OVERHEAD;
    for (let at = 0; at < size; at += max) {
      const end = Math.min(size, at + max);
      const n = end - at;
      this.ensure(8);
      const b = this.buf;
      const o = this.pos;
      frameStart(b, o, FrameType.Body, channel);
      b[o + 3] = n >>> 24;
      b[o + 4] = n >>> 16;
      b[o + 5] = n >>> 8;
      b[o + 6] = n;
      this.pos = o + 7;
      this.reference(at === 0 && end === size ? whole : whole.subarray(at, end));
      this.buf[this.pos++] = FRAME_END;
    }
  }

  /**
   * A whole message: the content-bearing method (basic.publish, basic.deliver, basic.get-ok,
   * basic.return), its header and its body frames, one after the other in this writer's buffer.
   * `properties` is either properties to encode or the raw, already encoded flags and list.
   */
  content(channel: number, method: MethodArgs, properties: BasicProperties | Buffer, body: Uint8Array): void {
    this.method(channel, method);
    const classId = method.id >>> 16;
    if (Buffer.isBuffer(properties)) this.rawHeader(channel, classId, body.length, properties);
    else this.header(channel, classId, body.length, properties);
    this.body(channel, body);
  }
}

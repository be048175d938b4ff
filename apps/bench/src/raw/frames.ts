/**
 * The raw client's frame walker: it finds frame boundaries in each socket read and hands every
 * frame over as (type, channel, buffer, payload start, payload end), in place. Only a frame split
 * across reads is copied, into one buffer of frame_max allocated up front. It decodes nothing:
 * the connection decides what is worth decoding (almost nothing on the hot path).
 *
 *   frame: type:u8  channel:u16  size:u32  payload[size]  0xCE
 *
 * Unlike @amqp-go/protocol's FrameParser (which a broker needs: it checks content sequencing and
 * decodes every method), this walks deliveries at the cost of a few reads per frame.
 */
import { FRAME_END } from "@amqp-go/protocol";

export interface FrameSink {
  /** One frame; `b[start..end)` is its payload (valid only during the call). */
  onFrame(type: number, channel: number, b: Buffer, start: number, end: number): void;
  /** The end of one socket read: a place to flush what the frames of the read produced (acks). */
  onReadEnd(): void;
}

export class FrameError extends Error {
  override readonly name = "FrameError";
}

export class FrameReader {
  /** The split frame so far: header (7 octets) first, then the rest once its size is known. */
  private partial: Buffer;
  private filled = 0;
  /** Octets of the split frame in all, or -1 until its header is complete. */
  private total = -1;
  private maxFrame: number;

  constructor(
    private readonly sink: FrameSink,
    frameMax = 131072,
  ) {
    this.maxFrame = frameMax;
    this.partial = Buffer.allocUnsafe(frameMax);
  }

  /** The negotiated frame_max (frames above it are refused); grows the split-frame buffer. */
  set frameMax(frameMax: number) {
    this.maxFrame = frameMax;
    if (this.partial.length < frameMax) {
      const next = Buffer.allocUnsafe(frameMax);
      this.partial.copy(next, 0, 0, this.filled);
      this.partial = next;
    }
  }

  push(chunk: Buffer): void {
    const len = chunk.length;
    let o = 0;
    if (this.filled > 0) o = this.fill(chunk);
    // Whole frames in place: the common case.
    while (len - o >= 7) {
      const size = chunk.readUInt32BE(o + 3);
      const end = o + 7 + size;
      if (end >= len) break;
      if (chunk[end] !== FRAME_END) throw new FrameError(`invalid frame end octet 0x${chunk[end]!.toString(16)}`);
      this.sink.onFrame(chunk[o]!, (chunk[o + 1]! << 8) | chunk[o + 2]!, chunk, o + 7, end);
      o = end + 1;
    }
    if (o < len) this.keep(chunk, o);
    this.sink.onReadEnd();
  }

  /** Starts keeping a frame that the read ends inside. */
  private keep(chunk: Buffer, o: number): void {
    const n = chunk.length - o;
    this.total = n >= 7 ? this.sizeOf(chunk.readUInt32BE(o + 3)) : -1;
    chunk.copy(this.partial, 0, o);
    this.filled = n;
  }

  /** Continues the split frame from the start of `chunk`; returns the offset after what it took. */
  private fill(chunk: Buffer): number {
    let o = 0;
    if (this.total < 0) {
      const take = Math.min(7 - this.filled, chunk.length);
      chunk.copy(this.partial, this.filled, 0, take);
      this.filled += take;
      o = take;
      if (this.filled < 7) return o;
      this.total = this.sizeOf(this.partial.readUInt32BE(3));
    }
    const take = Math.min(this.total - this.filled, chunk.length - o);
    chunk.copy(this.partial, this.filled, o, o + take);
    this.filled += take;
    o += take;
    if (this.filled < this.total) return o;
    const b = this.partial;
    const end = this.total - 1;
    this.filled = 0;
    this.total = -1;
    if (b[end] !== FRAME_END) throw new FrameError(`invalid frame end octet 0x${b[end]!.toString(16)}`);
    this.sink.onFrame(b[0]!, (b[1]! << 8) | b[2]!, b, 7, end);
    return o;
  }

  /** Whole frame size for a payload size, checked against frame_max. */
  private sizeOf(payload: number): number {
    const total = payload + 8;
    if (total > this.maxFrame) throw new FrameError(`frame of ${total} octets exceeds frame_max ${this.maxFrame}`);
    return total;
  }
}

/** A u64 as a number (delivery tags stay far below 2^53 in a bench run). */
export function readU64(b: Buffer, o: number): number {
  return b.readUInt32BE(o) * 0x1_0000_0000 + b.readUInt32BE(o + 4);
}

/** Class and method ids of a method frame's payload as one integer, as MethodId spells them. */
export function methodIdAt(b: Buffer, start: number): number {
  return b.readUInt32BE(start);
}

/**
 * Incremental frame parser: feed it the socket's chunks as they come; it calls its handler once per
 * frame, with bodies and property lists as slices of the chunk (no copy), and copies only a frame
 * that is split across chunks.
 *
 *   frame: type:u8  channel:u16  size:u32  payload[size]  0xCE
 *
 * It checks everything a peer can get wrong about frames, and throws a ProtocolError with the reply
 * code RabbitMQ closes the connection with:
 *   501 FRAME_ERROR       bad frame-end, unknown frame type, payload above frame_max, short header
 *                         frame, undecodable method arguments or properties, body beyond body-size
 *   505 UNEXPECTED_FRAME  content frames out of sequence on a channel, content frames on channel 0,
 *                         a heartbeat on a non-zero channel
 *   540 NOT_IMPLEMENTED   an unknown class or method id
 * After it has thrown, the connection is to be closed: the parser is not fed again.
 */
import { ProtocolError } from "./errors.js";
import { FRAME_END, FRAME_MIN_SIZE, FrameType, ReplyCode } from "./generated/constants.js";
import { decodeMethod } from "./generated/method-codec.js";
import { methodHasContent } from "./generated/method-info.js";
import type { Method } from "./generated/methods.js";
import { readLongLong } from "./primitives.js";

export interface FrameHandler {
  /** The 8 octets a client opens with (only when the parser expects a protocol header). */
  onProtocolHeader?(header: Buffer): void;
  onMethod(channel: number, method: Method): void;
  /**
   * A content header. `properties` is the property flags and list, as sent (a slice of the input):
   * keep it to send it on unchanged, or decode it with `decodeBasicProperties(p, 0, p.length)`.
   */
  onHeader(channel: number, classId: number, bodySize: number, properties: Buffer): void;
  /** A body frame's payload: a slice of the input, valid as long as you keep it. */
  onBody(channel: number, body: Buffer): void;
  onHeartbeat(): void;
}

export interface FrameParserOptions {
  /**
   * Largest frame accepted, frame header and end included (the negotiated frame_max; 0: no limit):
   * a payload may have frame_max - 8 octets, as RabbitMQ checks. Default 4096, the limit before
   * connection.tune-ok.
   */
  frameMax?: number;
  /** The input starts with the 8-octet protocol header (a server's side of the socket). */
  protocolHeader?: boolean;
}

/** What the next frame on a channel must be. */
const EXPECT_METHOD = 0;
const EXPECT_HEADER = 1;
const EXPECT_BODY = 2;

const NO_LIMIT = 0xffffffff;

/** Channels with a sequencing slot of their own; clients use 1 to a few hundred. */
const LOW_CHANNELS = 256;

export class FrameParser {
  private readonly handler: FrameHandler;
  private maxPayload: number;
  /** Octets of the protocol header still to come (8, then 0). */
  private headerPending: number;
  private protocolHeader: Buffer | null;

  /** A frame split across chunks: its octets so far, and its total size (-1 until known). */
  private partial: Buffer;
  private partialFilled = 0;
  private partialSize = -1;
  private readonly head = Buffer.alloc(7);

  /**
   * Content sequencing per channel, in slots: channels below LOW_CHANNELS have their own slot;
   * higher ones (RabbitMQ accepts any number up to 65535) get a slot only while a content is in
   * progress on them, so a client cannot make every connection cost 700 KB by using channel 65535.
   */
  private expect = new Uint8Array(LOW_CHANNELS);
  private contentClass = new Uint16Array(LOW_CHANNELS);
  private remaining = new Float64Array(LOW_CHANNELS);
  private readonly highSlots = new Map<number, number>();
  private readonly freeSlots: number[] = [];

  /** hold() was called: no frame is handled until resume(). */
  private held = false;
  /** The chunk a hold() stopped in, and where its next frame starts. */
  private rest: Buffer | null = null;
  private restAt = 0;
  /** Chunks pushed while held, in order. */
  private readonly waiting: Buffer[] = [];

  constructor(handler: FrameHandler, options: FrameParserOptions = {}) {
    this.handler = handler;
    this.maxPayload = payloadLimit(options.frameMax ?? FRAME_MIN_SIZE);
    this.headerPending = options.protocolHeader === true ? 8 : 0;
    this.protocolHeader = this.headerPending > 0 ? Buffer.alloc(8) : null;
    this.partial = this.head;
  }

  /** Sets the negotiated frame_max (0: no limit). */
  set frameMax(frameMax: number) {
    this.maxPayload = payloadLimit(frameMax);
  }

  /** True when no partial frame is buffered. */
  get idle(): boolean {
    return this.partialFilled === 0 && this.headerPending === 0;
  }

  /** Parses `chunk`; may call the handler any number of times (none while held: it waits for resume()). */
  push(chunk: Buffer): void {
    if (this.held) this.waiting.push(chunk);
    else this.parse(chunk, 0);
  }

  /**
   * Called from a handler: no further frame is handled until resume(). The rest of the input (of
   * this chunk, and chunks pushed meanwhile) waits, in order, without a copy. The caller's way to
   * spread a long run of costly frames over several event-loop turns.
   */
  hold(): void {
    this.held = true;
  }

  /** Whether hold() was called and resume() not yet. */
  get holding(): boolean {
    return this.held;
  }

  /** Handles what waited since hold(), until the handler holds again. */
  resume(): void {
    this.held = false;
    while (!this.held) {
      const rest = this.rest;
      if (rest !== null) {
        this.rest = null;
        this.parse(rest, this.restAt);
      } else if (this.waiting.length > 0) this.parse(this.waiting.shift()!, 0);
      else return;
    }
  }

  private parse(chunk: Buffer, o: number): void {
    const len = chunk.length;
    if (this.headerPending > 0) {
      o = this.readProtocolHeader(chunk);
      if (o === len) return;
    }
    if (this.partialFilled > 0) {
      o = this.fill(chunk, o);
      if (o === len) return;
      if (this.held) return this.stopAt(chunk, o);
    }
    // Whole frames in place: the common case, no copy.
    while (len - o >= 8) {
      const size = chunk.readUInt32BE(o + 3);
      if (size > this.maxPayload) throw this.tooLarge(size);
      const end = o + 7 + size;
      if (end >= len) break;
      if (chunk[end] !== FRAME_END) throw badFrameEnd(chunk[end]!);
      this.frame(chunk[o]!, (chunk[o + 1]! << 8) | chunk[o + 2]!, chunk, o + 7, end);
      o = end + 1;
      if (this.held) return this.stopAt(chunk, o);
    }
    if (o < len) this.keep(chunk, o);
  }

  /** A hold() stopped the parse of `chunk` before `o`: the rest waits for resume(). */
  private stopAt(chunk: Buffer, o: number): void {
    if (o < chunk.length) {
      this.rest = chunk;
      this.restAt = o;
    }
  }

  private readProtocolHeader(chunk: Buffer): number {
    const header = this.protocolHeader!;
    const n = Math.min(this.headerPending, chunk.length);
    chunk.copy(header, 8 - this.headerPending, 0, n);
    this.headerPending -= n;
    if (this.headerPending === 0) {
      this.protocolHeader = null;
      this.handler.onProtocolHeader?.(header);
    }
    return n;
  }

  /** Starts buffering a split frame from `chunk[o..]`. */
  private keep(chunk: Buffer, o: number): void {
    const n = chunk.length - o;
    if (n >= 7) {
      const size = chunk.readUInt32BE(o + 3);
      if (size > this.maxPayload) throw this.tooLarge(size);
      this.partialSize = size + 8;
      this.partial = Buffer.allocUnsafe(this.partialSize);
    } else {
      this.partialSize = -1;
      this.partial = this.head;
    }
    chunk.copy(this.partial, 0, o);
    this.partialFilled = n;
  }

  /** Continues a split frame with `chunk[o..]`; returns the offset after what it took. */
  private fill(chunk: Buffer, o: number): number {
    const len = chunk.length;
    if (this.partialSize < 0) {
      const take = Math.min(7 - this.partialFilled, len - o);
      chunk.copy(this.head, this.partialFilled, o, o + take);
      this.partialFilled += take;
      o += take;
      if (this.partialFilled < 7) return o;
      const size = this.head.readUInt32BE(3);
      if (size > this.maxPayload) throw this.tooLarge(size);
      this.partialSize = size + 8;
      this.partial = Buffer.allocUnsafe(this.partialSize);
      this.head.copy(this.partial, 0, 0, 7);
    }
    const take = Math.min(this.partialSize - this.partialFilled, len - o);
    chunk.copy(this.partial, this.partialFilled, o, o + take);
    this.partialFilled += take;
    o += take;
    if (this.partialFilled < this.partialSize) return o;

    const frame = this.partial;
    const end = this.partialSize - 1;
    this.partial = this.head;
    this.partialFilled = 0;
    this.partialSize = -1;
    if (frame[end] !== FRAME_END) throw badFrameEnd(frame[end]!);
    this.frame(frame[0]!, (frame[1]! << 8) | frame[2]!, frame, 7, end);
    return o;
  }

  private frame(type: number, channel: number, b: Buffer, start: number, end: number): void {
    switch (type) {
      case FrameType.Method: {
        const slot = channel < LOW_CHANNELS ? channel : this.highSlot(channel);
        if (slot >= 0 && this.expect[slot] !== EXPECT_METHOD) throw this.outOfSequence(slot, "method");
        const method = decodeMethod(b, start, end);
        if (methodHasContent(method.id)) {
          const s = slot >= 0 ? slot : this.newHighSlot(channel);
          this.expect[s] = EXPECT_HEADER;
          this.contentClass[s] = method.id >>> 16;
        }
        this.handler.onMethod(channel, method);
        return;
      }
      case FrameType.Header: {
        if (channel === 0) throw unexpected("content header frame on channel 0");
        const slot = channel < LOW_CHANNELS ? channel : this.highSlot(channel);
        if (end - start < 14) throw new ProtocolError(ReplyCode.FRAME_ERROR, "content header frame shorter than 14 octets");
        if (slot < 0) throw unexpected("expected method frame, got non method frame instead");
        const classId = (b[start]! << 8) | b[start + 1]!;
        const weight = (b[start + 2]! << 8) | b[start + 3]!;
        if (this.expect[slot] !== EXPECT_HEADER || weight !== 0) throw this.outOfSequence(slot, "header");
        if (classId !== this.contentClass[slot]) {
          throw unexpected(`expected content header for class ${this.contentClass[slot]}, got one for class ${classId} instead`);
        }
        const bodySize = readLongLong(b, start + 4);
        this.remaining[slot] = bodySize;
        if (bodySize === 0) this.contentDone(channel, slot);
        else this.expect[slot] = EXPECT_BODY;
        this.handler.onHeader(channel, classId, bodySize, b.subarray(start + 12, end));
        return;
      }
      case FrameType.Body: {
        if (channel === 0) throw unexpected("content body frame on channel 0");
        const slot = channel < LOW_CHANNELS ? channel : this.highSlot(channel);
        if (slot < 0) throw unexpected("expected method frame, got non method frame instead");
        if (this.expect[slot] !== EXPECT_BODY) throw this.outOfSequence(slot, "body");
        const size = end - start;
        const remaining = this.remaining[slot]! - size;
        if (remaining < 0) throw new ProtocolError(ReplyCode.FRAME_ERROR, "content body frame exceeds remaining content size");
        this.remaining[slot] = remaining;
        if (remaining === 0) this.contentDone(channel, slot);
        this.handler.onBody(channel, b.subarray(start, end));
        return;
      }
      case FrameType.Heartbeat:
        if (channel !== 0) throw unexpected(`heartbeat frame on channel ${channel}`);
        if (end !== start) throw new ProtocolError(ReplyCode.FRAME_ERROR, "heartbeat frame with a payload");
        this.handler.onHeartbeat();
        return;
      default:
        throw new ProtocolError(ReplyCode.FRAME_ERROR, `unknown frame type ${type}`);
    }
  }

  /** The slot of a channel at or above LOW_CHANNELS, or -1 when no content is in progress on it. */
  private highSlot(channel: number): number {
    return this.highSlots.get(channel) ?? -1;
  }

  private newHighSlot(channel: number): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.expect.length;
      this.growSlots(slot + 1);
    }
    this.highSlots.set(channel, slot);
    return slot;
  }

  /** The content on a channel is complete: a method comes next; a high channel gives its slot back. */
  private contentDone(channel: number, slot: number): void {
    this.expect[slot] = EXPECT_METHOD;
    if (channel >= LOW_CHANNELS) {
      this.highSlots.delete(channel);
      this.freeSlots.push(slot);
    }
  }

  private growSlots(needed: number): void {
    let size = this.expect.length;
    while (size < needed) size *= 2;
    const expect = new Uint8Array(size);
    expect.set(this.expect);
    const contentClass = new Uint16Array(size);
    contentClass.set(this.contentClass);
    const remaining = new Float64Array(size);
    remaining.set(this.remaining);
    this.expect = expect;
    this.contentClass = contentClass;
    this.remaining = remaining;
  }

  /** The 505 RabbitMQ sends for a frame of the wrong kind, in its words. */
  private outOfSequence(slot: number, got: "method" | "header" | "body"): ProtocolError {
    const classId = this.contentClass[slot]!;
    switch (this.expect[slot]) {
      case EXPECT_HEADER:
        return new ProtocolError(
          ReplyCode.UNEXPECTED_FRAME,
          `expected content header for class ${classId}, got non content header frame instead`,
          classId,
        );
      case EXPECT_BODY:
        return new ProtocolError(ReplyCode.UNEXPECTED_FRAME, "expected content body, got non content body frame instead", classId);
      default:
        return unexpected(`expected method frame, got non method frame (${got}) instead`);
    }
  }

  private tooLarge(size: number): ProtocolError {
    return new ProtocolError(ReplyCode.FRAME_ERROR, `frame payload of ${size} octets exceeds frame_max`);
  }
}

function payloadLimit(frameMax: number): number {
  return frameMax === 0 ? NO_LIMIT : frameMax - 8;
}

function unexpected(message: string): ProtocolError {
  return new ProtocolError(ReplyCode.UNEXPECTED_FRAME, message);
}

function badFrameEnd(octet: number): ProtocolError {
  return new ProtocolError(ReplyCode.FRAME_ERROR, `invalid frame end octet 0x${octet.toString(16)}`);
}

/**
 * A raw AMQP 0-9-1 client over node:net for tests that must say what no real client would: bad
 * headers, broken frames, protocol errors. Frames are written with @amqp-go/protocol's FrameWriter
 * (or by hand) and read back with its FrameParser; every received frame is kept in order.
 *
 *   frame: type:u8  channel:u16  size:u32  payload[size]  0xCE
 */
import {
  type ConnectionClose,
  type ConnectionStart,
  type ConnectionTune,
  encodeMethod,
  type FieldTable,
  FRAME_END,
  FrameParser,
  FrameWriter,
  type Method,
  MethodId,
  type MethodArgs,
  PROTOCOL_HEADER,
} from "@amqp-go/protocol";
import amqp from "amqplib";
import { connect, type Socket } from "node:net";

export type Frame =
  | { readonly type: "method"; readonly channel: number; readonly method: Method }
  | { readonly type: "header"; readonly channel: number; readonly classId: number; readonly bodySize: number; readonly properties: Buffer }
  | { readonly type: "body"; readonly channel: number; readonly body: Buffer }
  | { readonly type: "heartbeat"; readonly channel: 0 };

export interface RawConnectOptions {
  /** Keep our side writable after the server's FIN (to see whether the server really lets go). */
  allowHalfOpen?: boolean;
}

export interface HandshakeOptions {
  user?: string;
  password?: string;
  mechanism?: string;
  /** The full SASL response, instead of PLAIN's from user and password. */
  response?: Buffer;
  capabilities?: FieldTable;
  /** tune-ok values; each defaults to what the server proposed in connection.tune. */
  channelMax?: number;
  frameMax?: number;
  heartbeat?: number;
  vhost?: string;
}

/** Received bytes kept for inspection (the wrong-header answer); later bytes are only parsed. */
const KEEP_RAW = 64 * 1024;

export class RawClient {
  /** Every frame received, in order. */
  readonly frames: Frame[] = [];
  /** The first octets received, as sent. */
  raw: Buffer = Buffer.alloc(0);
  /** The server sent FIN. */
  ended = false;
  /** The socket is gone (by either side); `closedAt` is when. */
  closed = false;
  closedAt = 0;
  /** A socket error (ECONNRESET, EPIPE...), if any. */
  error: (Error & { code?: string }) | undefined;
  /** The server's output could not be parsed (as frames): what the parser said. */
  parseError: Error | undefined;
  readonly writer = new FrameWriter({ frameMax: 0 });
  private readonly parser: FrameParser;
  private cursor = 0;
  private readonly wakers = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    this.parser = new FrameParser(
      {
        onMethod: (channel, method) => this.push({ type: "method", channel, method }),
        onHeader: (channel, classId, bodySize, properties) => this.push({ type: "header", channel, classId, bodySize, properties }),
        onBody: (channel, body) => this.push({ type: "body", channel, body }),
        onHeartbeat: () => this.push({ type: "heartbeat", channel: 0 }),
      },
      // The server never sends more than 128 KiB frames here; a cap keeps a non-AMQP answer from
      // being taken for a 1 GiB frame.
      { frameMax: 1024 * 1024 },
    );
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("end", () => {
      this.ended = true;
      this.signal();
    });
    socket.on("error", (e) => {
      this.error = e;
      this.signal();
    });
    socket.on("close", () => {
      this.closed = true;
      this.closedAt = Date.now();
      this.signal();
    });
  }

  static connect(port: number, options: RawConnectOptions = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: options.allowHalfOpen ?? false });
      socket.setNoDelay(true);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RawClient(socket));
      });
    });
  }

  // ---- output ---------------------------------------------------------------------------------

  /** Writes octets as given (strings as latin1). */
  write(data: Buffer | string): void {
    if (this.socket.destroyed) return;
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  sendProtocolHeader(): void {
    this.write(PROTOCOL_HEADER);
  }

  send(channel: number, method: MethodArgs): void {
    this.writer.method(channel, method);
    this.write(this.writer.take());
  }

  /** A whole publish: method, content header and one body frame. */
  publish(channel: number, exchange: string, routingKey: string, body: Buffer): void {
    this.writer.content(channel, { id: MethodId.BasicPublish, exchange, routingKey, mandatory: false, immediate: false }, {}, body);
    this.write(this.writer.take());
  }

  destroy(): void {
    this.socket.destroy();
  }

  // ---- input ----------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.raw.length < KEEP_RAW) this.raw = Buffer.concat([this.raw, chunk]);
    if (this.parseError === undefined) {
      try {
        this.parser.push(chunk);
      } catch (e) {
        this.parseError = e as Error;
      }
    }
    this.signal();
  }

  private push(frame: Frame): void {
    this.frames.push(frame);
  }

  private signal(): void {
    for (const w of [...this.wakers]) w();
  }

  /** Resolves with `check()` once it is defined; rejects after `timeout` ms. */
  async waitFor<T>(check: () => T | undefined, timeout: number, what: string): Promise<T> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const v = check();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeout} ms waiting for ${what}; frames so far: ${this.describeFrames()}`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.wakers.add(wake);
      });
    }
  }

  /** The next frame not yet read (heartbeats skipped unless asked for). */
  next(timeout = 2000, heartbeats = false): Promise<Frame> {
    return this.waitFor(
      () => {
        while (this.cursor < this.frames.length) {
          const f = this.frames[this.cursor++]!;
          if (heartbeats || f.type !== "heartbeat") return f;
        }
        if (this.closed) throw new Error(`socket closed while waiting for a frame; frames so far: ${this.describeFrames()}`);
        return undefined;
      },
      timeout,
      "a frame",
    );
  }

  /** The next frame, which must be method `id` on `channel`. */
  async expectMethod<I extends Method["id"]>(channel: number, id: I, timeout = 2000): Promise<Extract<Method, { id: I }>> {
    const f = await this.next(timeout);
    if (f.type !== "method" || f.channel !== channel || f.method.id !== id) {
      throw new Error(`expected method 0x${id.toString(16)} on channel ${channel}, got ${describe(f)}`);
    }
    return f.method as Extract<Method, { id: I }>;
  }

  /** The next frame is connection.close (whatever its code): returns it. */
  nextClose(timeout = 2000): Promise<ConnectionClose> {
    return this.expectMethod(0, MethodId.ConnectionClose, timeout);
  }

  /** Resolves once the socket is closed; rejects after `timeout` ms. */
  async waitClosed(timeout = 2000): Promise<void> {
    await this.waitFor(() => (this.closed ? true : undefined), timeout, "the socket to close");
  }

  /** Resolves once the server has sent FIN (or the socket is gone). */
  async waitEnded(timeout = 2000): Promise<void> {
    await this.waitFor(() => (this.ended || this.closed ? true : undefined), timeout, "the server's FIN");
  }

  describeFrames(): string {
    return `[${this.frames.map(describe).join(", ")}]${this.parseError ? ` parse error: ${this.parseError.message}` : ""}`;
  }

  // ---- handshake ------------------------------------------------------------------------------

  /** Protocol header, then connection.start. */
  async start(): Promise<ConnectionStart> {
    this.sendProtocolHeader();
    return this.expectMethod(0, MethodId.ConnectionStart);
  }

  startOk(o: HandshakeOptions = {}): void {
    const response = o.response ?? Buffer.from(`\0${o.user ?? "guest"}\0${o.password ?? "guest"}`);
    this.send(0, {
      id: MethodId.ConnectionStartOk,
      clientProperties: { product: "raw-client", capabilities: o.capabilities ?? { authentication_failure_close: true, "connection.blocked": true } },
      mechanism: o.mechanism ?? "PLAIN",
      response,
      locale: "en_US",
    });
  }

  tuneOk(tune: ConnectionTune, o: HandshakeOptions = {}): void {
    this.send(0, {
      id: MethodId.ConnectionTuneOk,
      channelMax: o.channelMax ?? tune.channelMax,
      frameMax: o.frameMax ?? tune.frameMax,
      heartbeat: o.heartbeat ?? tune.heartbeat,
    });
  }

  /** Header, start, start-ok, tune, tune-ok, open, open-ok. */
  async handshake(o: HandshakeOptions = {}): Promise<{ start: ConnectionStart; tune: ConnectionTune }> {
    const start = await this.start();
    this.startOk(o);
    const tune = await this.expectMethod(0, MethodId.ConnectionTune);
    this.tuneOk(tune, o);
    this.send(0, { id: MethodId.ConnectionOpen, virtualHost: o.vhost ?? "/" });
    await this.expectMethod(0, MethodId.ConnectionOpenOk);
    return { start, tune };
  }

  async openChannel(channel: number): Promise<void> {
    this.send(channel, { id: MethodId.ChannelOpen });
    await this.expectMethod(channel, MethodId.ChannelOpenOk);
  }

  static async open(port: number, o: HandshakeOptions = {}): Promise<RawClient> {
    const c = await RawClient.connect(port);
    await c.handshake(o);
    return c;
  }
}

/** One frame of any type and payload, with a frame-end octet of one's choosing. */
export function rawFrame(type: number, channel: number, payload: Buffer, frameEnd = FRAME_END): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b[0] = type;
  b.writeUInt16BE(channel, 1);
  b.writeUInt32BE(payload.length, 3);
  payload.copy(b, 7);
  b[7 + payload.length] = frameEnd;
  return b;
}

/** A method frame's payload: class, method and arguments. */
export function methodPayload(method: MethodArgs): Buffer {
  const b = Buffer.alloc(64 * 1024);
  return b.subarray(0, encodeMethod(b, 0, method));
}

function describe(f: Frame): string {
  switch (f.type) {
    case "method": {
      const m = f.method;
      const detail = m.id === MethodId.ConnectionClose || m.id === MethodId.ChannelClose ? ` ${m.replyCode} ${m.replyText}` : "";
      return `method ${m.id >>> 16}/${m.id & 0xffff}@${f.channel}${detail}`;
    }
    case "header":
      return `header@${f.channel} ${f.bodySize}`;
    case "body":
      return `body@${f.channel} ${f.body.length}`;
    case "heartbeat":
      return "heartbeat";
  }
}

/** A fresh amqplib connection works end to end: declare, publish, get. */
export async function expectWorking(url: string): Promise<void> {
  const c = await amqp.connect(url);
  c.on("error", () => {});
  try {
    const ch = await c.createConfirmChannel();
    const { queue } = await ch.assertQueue("", { exclusive: true });
    const body = `ping-${Math.random()}`;
    await new Promise<void>((resolve, reject) => ch.sendToQueue(queue, Buffer.from(body), {}, (err: unknown) => (err ? reject(err) : resolve())));
    const m = await ch.get(queue, { noAck: true });
    if (m === false || m.content.toString() !== body) throw new Error(`health check: published '${body}', got ${m === false ? "nothing" : `'${m.content}'`}`);
  } finally {
    await c.close().catch(() => {});
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Header, start, start-ok, tune, then tune-ok with the given values (heartbeat 0). */
export async function tunedTo(port: number, o: { frameMax?: number; channelMax?: number }): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.start();
  c.startOk();
  c.tuneOk(await c.expectMethod(0, MethodId.ConnectionTune), { heartbeat: 0, ...o });
  return c;
}

/** The connection.close that must come next, then the server lets go of the socket. */
export async function expectConnectionClose(c: RawClient, replyCode: number, answerCloseOk = false) {
  const close = await c.nextClose();
  if (close.replyCode !== replyCode) throw new Error(`connection.close ${close.replyCode} (${close.replyText}), expected ${replyCode}`);
  if (answerCloseOk) c.send(0, { id: MethodId.ConnectionCloseOk });
  await c.waitClosed(1500);
  return close;
}

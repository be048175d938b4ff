/**
 * A minimal AMQP 0-9-1 client connection on node:net, for the raw load generator: the handshake
 * (protocol header, start-ok with PLAIN, tune-ok without heartbeats, open), one channel (1), and
 * set-up RPCs (confirm.select, basic.qos, basic.consume) with @amqp-go/protocol's generated codecs.
 * On the hot path it decodes nothing but what a bench needs, and hands it to one listener:
 *
 *   basic.deliver  → onDeliver(delivery-tag)      (read at its offset; consumer-tag skipped)
 *   content header → onContentHeader(body-size)   (properties never decoded)
 *   body frame     → onBody(buffer, start, end)   (in place)
 *   basic.ack/nack → onConfirm(tag, multiple, ack)
 *
 * Anything that ends the connection (the broker's connection.close or channel.close, a socket
 * error or close, a malformed frame) is reported once, as a sentence, through `onLost`.
 */
import { connect, type Socket } from "node:net";
import {
  decodeMethod,
  FrameType,
  FrameWriter,
  type Method,
  type MethodArgs,
  MethodId,
  PROTOCOL_HEADER,
  replyCodeName,
} from "@amqp-go/protocol";
import { type FrameSink, FrameReader, methodIdAt, readU64 } from "./frames.js";

export const CHANNEL = 1;
/** The frame_max we ask for: the spec's usual 128 KiB, unless the broker offers less. */
const FRAME_MAX = 131072;

export interface ChannelListener {
  onDeliver(tag: number): void;
  onContentHeader(bodySize: number): void;
  onBody(b: Buffer, start: number, end: number): void;
  onConfirm(tag: number, multiple: boolean, ack: boolean): void;
  /** After the frames of one socket read. */
  onReadEnd(): void;
  /** The broker asked publishers to pause (connection.blocked, channel.flow off) or to resume. */
  onPause(paused: boolean): void;
  /** basic.cancel from the broker (the queue was deleted). */
  onCancel(): void;
}

const IDLE: ChannelListener = {
  onDeliver() {},
  onContentHeader() {},
  onBody() {},
  onConfirm() {},
  onReadEnd() {},
  onPause() {},
  onCancel() {},
};

export interface ConnectionEvents {
  /** The connection ended, not by our close(): why, in a sentence. */
  lost(why: string): void;
  /** connection.blocked (a resource alarm of the broker). */
  blocked(): void;
}

interface Waiter {
  readonly replyId: number;
  resolve(m: Method): void;
  reject(e: Error): void;
}

export class RawConnection implements FrameSink {
  listener: ChannelListener = IDLE;
  private readonly socket: Socket;
  private readonly reader: FrameReader;
  private readonly out = new FrameWriter({ bufferSize: 8192 });
  private readonly waiters: Waiter[] = [];
  private lastError: Error | undefined;
  private closing = false;
  private dead = false;
  private blocked = false;
  private flowPaused = false;

  /** The negotiated frame_max, for the producer's frames. */
  frameMax = FRAME_MAX;
  /** Open-ok came: from then on a lost connection is reported through `events.lost`. */
  private opened = false;

  private constructor(
    private readonly url: URL,
    private readonly name: string,
    private readonly events: ConnectionEvents,
  ) {
    this.reader = new FrameReader(this, FRAME_MAX);
    this.socket = connect({ host: url.hostname, port: url.port === "" ? 5672 : Number(url.port), noDelay: true });
    this.socket.on("data", (chunk: Buffer) => {
      try {
        this.reader.push(chunk);
      } catch (err) {
        this.fail((err as Error).message);
        this.socket.destroy();
      }
    });
    this.socket.on("error", (err) => {
      this.lastError = err;
    });
    this.socket.on("close", () => this.fail(this.lastError?.message ?? "Socket closed abruptly"));
  }

  /** Connects, shakes hands and opens channel 1; rejects with the reason it could not. */
  static async open(uri: string, name: string, events: ConnectionEvents): Promise<RawConnection> {
    const url = new URL(uri);
    if (url.protocol !== "amqp:") throw new Error(`${url.protocol} URIs are not supported by the raw client (amqp: only)`);
    const c = new RawConnection(url, name, events);
    const opened = c.expect(MethodId.ConnectionOpenOk);
    c.socket.once("connect", () => c.socket.write(PROTOCOL_HEADER));
    try {
      await opened;
    } catch (err) {
      // A broker that refuses the credentials closes the socket after start-ok (RabbitMQ) or sends 403.
      throw new Error(`handshake failed: ${(err as Error).message}`);
    }
    await c.call({ id: MethodId.ChannelOpen }, MethodId.ChannelOpenOk);
    c.opened = true;
    return c;
  }

  /** Sends a set-up method on channel 1 and resolves with its reply. */
  call(method: MethodArgs, replyId: number): Promise<Method> {
    const reply = this.expect(replyId);
    this.send(CHANNEL, method);
    return reply;
  }

  send(channel: number, method: MethodArgs): void {
    this.out.method(channel, method);
    this.socket.write(this.out.take());
  }

  /**
   * Writes pre-encoded frames; false when the socket's buffer is full (wait for `onceDrain`).
   * `written` is called once the socket no longer holds `frames`.
   */
  write(frames: Buffer, written?: () => void): boolean {
    return this.socket.write(frames, written);
  }

  onceDrain(fn: () => void): void {
    this.socket.once("drain", fn);
  }

  offDrain(fn: () => void): void {
    this.socket.removeListener("drain", fn);
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  /** True while the broker wants publishers paused. */
  get paused(): boolean {
    return this.blocked || this.flowPaused;
  }

  /** connection.close, then the socket; resolves on close-ok, or after `timeoutMs` regardless. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.dead) return;
    this.closing = true;
    const closed = this.expect(MethodId.ConnectionCloseOk).catch(() => undefined);
    this.send(0, { id: MethodId.ConnectionClose, replyCode: 200, replyText: "bye", classId: 0, methodId: 0 });
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    this.dead = true;
    this.socket.destroy();
  }

  onFrame(type: number, channel: number, b: Buffer, start: number, end: number): void {
    if (type === FrameType.Body) return this.listener.onBody(b, start, end);
    if (type === FrameType.Header) return this.listener.onContentHeader(readU64(b, start + 4));
    if (type !== FrameType.Method) return; // heartbeats: we asked for none, and answer none
    const id = methodIdAt(b, start);
    if (id === MethodId.BasicDeliver) return this.listener.onDeliver(readU64(b, start + 5 + b[start + 4]!));
    if (id === MethodId.BasicAck) return this.listener.onConfirm(readU64(b, start + 4), (b[start + 12]! & 1) !== 0, true);
    if (id === MethodId.BasicNack) return this.listener.onConfirm(readU64(b, start + 4), (b[start + 12]! & 1) !== 0, false);
    this.control(channel, decodeMethod(b, start, end));
  }

  onReadEnd(): void {
    this.listener.onReadEnd();
  }

  /** Everything but the hot path: the handshake, set-up replies, and the broker's notices. */
  private control(channel: number, m: Method): void {
    switch (m.id) {
      case MethodId.ConnectionStart: {
        const user = decodeURIComponent(this.url.username || "guest");
        const password = decodeURIComponent(this.url.password || "guest");
        const capabilities = { publisher_confirms: true, consumer_cancel_notify: true, "connection.blocked": true, "basic.nack": true };
        const clientProperties = { product: "amqp-bench raw", platform: `Node.js ${process.version}`, connection_name: this.name, capabilities };
        const response = Buffer.from(`\0${user}\0${password}`);
        return this.send(0, { id: MethodId.ConnectionStartOk, clientProperties, mechanism: "PLAIN", response, locale: "en_US" });
      }
      case MethodId.ConnectionTune: {
        const frameMax = m.frameMax === 0 ? FRAME_MAX : Math.min(m.frameMax, FRAME_MAX);
        this.reader.frameMax = frameMax;
        this.frameMax = frameMax;
        this.send(0, { id: MethodId.ConnectionTuneOk, channelMax: m.channelMax, frameMax, heartbeat: 0 });
        const vhost = this.url.pathname.length > 1 ? decodeURIComponent(this.url.pathname.slice(1)) : "/";
        return this.send(0, { id: MethodId.ConnectionOpen, virtualHost: vhost });
      }
      case MethodId.ConnectionClose:
        this.send(0, { id: MethodId.ConnectionCloseOk });
        return this.fail(`connection closed by the broker: ${m.replyCode} ${replyCodeName(m.replyCode)} - ${m.replyText}`);
      case MethodId.ChannelClose:
        this.send(channel, { id: MethodId.ChannelCloseOk });
        return this.fail(`the broker closed its channel: ${m.replyCode} ${replyCodeName(m.replyCode)} - ${m.replyText}`);
      case MethodId.ConnectionBlocked:
        this.blocked = true;
        this.events.blocked();
        return this.listener.onPause(true);
      case MethodId.ConnectionUnblocked:
        this.blocked = false;
        return this.listener.onPause(this.paused);
      case MethodId.ChannelFlow:
        this.flowPaused = !m.active;
        this.send(channel, { id: MethodId.ChannelFlowOk, active: m.active });
        return this.listener.onPause(this.paused);
      case MethodId.BasicCancel:
        return this.listener.onCancel();
      default: {
        const i = this.waiters.findIndex((w) => w.replyId === m.id);
        if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
      }
    }
  }

  private expect(replyId: number): Promise<Method> {
    if (this.dead) return Promise.reject(new Error(this.lastError?.message ?? "connection closed"));
    return new Promise((resolve, reject) => this.waiters.push({ replyId, resolve, reject }));
  }

  /** The connection is over: rejects whoever waits, and reports why once (unless we closed it). */
  private fail(why: string): void {
    if (this.dead) return;
    this.dead = true;
    const err = new Error(why);
    for (const w of this.waiters.splice(0)) w.reject(err);
    if (!this.closing && this.opened) this.events.lost(why);
  }
}

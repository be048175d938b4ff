// A lean AMQP 0-9-1 client for benchmarks: one socket, one channel, frames encoded up front with
// the protocol package's FrameWriter, replies counted from their frame headers (no amqplib, no
// decoding of what is not needed). `pipeline` keeps up to `window` requests unanswered.
import { connect } from "node:net";
import { FrameWriter, MethodId } from "@amqp-go/protocol";

const FRAME_END = 0xce;

export class RawClient {
  /** Opens a connection and channel 1 (PLAIN, vhost "/"). */
  static async open(port, host = "127.0.0.1", user = "guest", pass = "guest") {
    const c = new RawClient(connect(port, host));
    await new Promise((resolve, reject) => {
      c.socket.once("connect", resolve);
      c.socket.once("error", reject);
    });
    c.socket.setNoDelay(true);
    c.socket.write(Buffer.from("AMQP\x00\x00\x09\x01", "latin1"));
    await c.expect(MethodId.ConnectionStart);
    const w = new FrameWriter({ frameMax: 131072 });
    w.method(0, { id: MethodId.ConnectionStartOk, clientProperties: {}, mechanism: "PLAIN", response: Buffer.from(`\0${user}\0${pass}`), locale: "en_US" });
    c.socket.write(w.take());
    await c.expect(MethodId.ConnectionTune);
    w.method(0, { id: MethodId.ConnectionTuneOk, channelMax: 16, frameMax: 131072, heartbeat: 0 });
    w.method(0, { id: MethodId.ConnectionOpen, virtualHost: "/" });
    c.socket.write(w.take());
    await c.expect(MethodId.ConnectionOpenOk);
    w.method(1, { id: MethodId.ChannelOpen });
    c.socket.write(w.take());
    await c.expect(MethodId.ChannelOpenOk);
    return c;
  }

  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    /** Replies received by method id. */
    this.counts = new Map();
    this.waiter = null;
    this.error = null;
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(new Error("socket closed")));
  }

  fail(e) {
    this.error ??= e;
    const w = this.waiter;
    this.waiter = null;
    w?.reject(this.error);
  }

  onData(chunk) {
    let b = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let o = 0;
    while (b.length - o >= 7) {
      const size = b.readUInt32BE(o + 3);
      if (b.length - o < size + 8) break;
      if (b[o] === 1) {
        const id = b.readUInt32BE(o + 7);
        if (id === MethodId.ChannelClose || id === MethodId.ConnectionClose) {
          const text = b.toString("latin1", o + 14, o + 14 + b[o + 13]);
          this.fail(new Error(`closed by the server: ${b.readUInt16BE(o + 11)} ${text}`));
        }
        this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
      }
      if (b[o + size + 7] !== FRAME_END) this.fail(new Error("bad frame end"));
      o += size + 8;
    }
    this.buf = o === b.length ? Buffer.alloc(0) : b.subarray(o);
    const w = this.waiter;
    if (w !== null && (this.counts.get(w.id) ?? 0) >= w.n) {
      this.waiter = null;
      w.resolve();
    }
  }

  /** Resolves once `n` replies `id` have come in (in all). */
  until(id, n) {
    if (this.error !== null) return Promise.reject(this.error);
    if ((this.counts.get(id) ?? 0) >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiter = { id, n, resolve, reject };
    });
  }

  expect(id) {
    return this.until(id, (this.counts.get(id) ?? 0) + 1);
  }

  /**
   * Sends `frames` (pre-encoded requests, each answered by `perFrame` replies `replyId`) with at most `window`
   * unanswered; resolves once all are answered.
   */
  async pipeline(frames, replyId, window = 200, perFrame = 1) {
    const base = this.counts.get(replyId) ?? 0;
    let sent = 0;
    while (sent < frames.length) {
      const upTo = Math.min(frames.length, sent + window);
      // at most `window` outstanding: wait for the reply that frees a slot for the whole next chunk
      this.socket.write(Buffer.concat(frames.slice(sent, upTo)));
      sent = upTo;
      await this.until(replyId, base + Math.max(0, sent - window / 2) * perFrame);
    }
    await this.until(replyId, base + frames.length * perFrame);
  }

  close() {
    this.socket.destroy();
  }
}

/** Pre-encoded queue.declare (durable) + queue.bind (to `exchange`, key = queue name) frames, one Buffer per queue. */
export function declareAndBindFrames(names, exchange = "amq.direct", durable = true) {
  const w = new FrameWriter({ frameMax: 131072 });
  return names.map((queue) => {
    w.method(1, { id: MethodId.QueueDeclare, queue, passive: false, durable, exclusive: false, autoDelete: false, noWait: false });
    w.method(1, { id: MethodId.QueueBind, queue, exchange, routingKey: queue, noWait: false });
    return w.take();
  });
}

/** Pre-encoded queue.delete frames. */
export function deleteFrames(names) {
  const w = new FrameWriter({ frameMax: 131072 });
  return names.map((queue) => {
    w.method(1, { id: MethodId.QueueDelete, queue, ifUnused: false, ifEmpty: false, noWait: false });
    return w.take();
  });
}

/** Pre-encoded queue.bind frames: `extra` more bindings of each queue to amq.direct (keys <queue>.<k>), one Buffer per queue. */
export function extraBindingFrames(names, extra) {
  const w = new FrameWriter({ frameMax: 131072 });
  return names.map((queue) => {
    for (let k = 1; k <= extra; k++) w.method(1, { id: MethodId.QueueBind, queue, exchange: "amq.direct", routingKey: `${queue}.${k}`, noWait: false });
    return w.take();
  });
}

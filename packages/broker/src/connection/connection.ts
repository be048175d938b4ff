/**
 * One client connection: the handshake, channel 0, heartbeats, and the socket. Frames come in
 * through a FrameParser; everything going out is gathered in one FrameWriter and written once per
 * event-loop turn (or sooner, past 256 KiB). Connection errors close the connection with
 * connection.close; channel errors close only their channel.
 */
import type { Socket } from "node:net";
import {
  FrameParser,
  FrameWriter,
  type Method,
  MethodId,
  type MethodArgs,
  PROTOCOL_HEADER,
  ProtocolError,
  ReplyCode,
  type FieldTable,
} from "@amqp-go/protocol";
import type { Broker } from "../broker.js";
import { AmqpError, ChannelError, channelError, ConnectionError, notAllowed } from "../errors.js";
import type { Logger, LoginResult } from "../ports.js";
import type { Vhost } from "../vhost.js";
import { Channel } from "../channel/channel.js";
import { serverProperties } from "./server-properties.js";

const enum State {
  AwaitingHeader,
  AwaitingStartOk,
  /** The authenticator is deciding (a slow password hash); anything the client sends now ends the handshake. */
  Authenticating,
  AwaitingTuneOk,
  AwaitingOpen,
  Open,
  /** We sent connection.close and wait for close-ok. */
  Closing,
  Closed,
}

/** Output buffered beyond this is written at once instead of at the end of the turn. */
const FLUSH_AT = 256 * 1024;
/**
 * Bodies from this size on are written from the message's own Buffer (writev), not copied into the
 * output buffer: 64 KiB messages, bench 64k scenario, one copy and one buffer allocation less each.
 */
const REFERENCE_BODIES_FROM = 8 * 1024;
/** Deliveries pause while this much is waiting in the socket (its 'drain' resumes them). */
const WRITE_BACKLOG = 1024 * 1024;
/**
 * A closing connection reads and discards its peer's input, so that a client still writing (amqplib
 * writes connection.close ahead of publishes it still holds) is never answered with a reset. It
 * lets go when the peer closes, or once the peer has been silent this long: after our close-ok
 * (the client's own close), after its close-ok (ours)...
 */
const CLOSE_IDLE = 500;
/** ...while we wait for close-ok to our connection.close... */
const CLOSE_OK_IDLE = 1000;
/** ...and after a framing error, a wrong header or a refused login. */
const END_IDLE = 300;
/** Whatever the peer does, a closing socket is cut after this (RabbitMQ's CLOSING_TIMEOUT). */
const CLOSING_TIMEOUT = 30_000;

let nextId = 1;

export class Connection {
  readonly id = nextId++;
  readonly log: Logger;
  readonly writer: FrameWriter;
  vhost: Vhost | null = null;
  user = "";
  /** Client capabilities we adapt to. */
  consumerCancelNotify = false;
  private blockedNotify = false;
  private authFailureClose = false;
  clientProperties: FieldTable = {};

  private state = State.AwaitingHeader;
  private readonly parser: FrameParser;
  private readonly channels: (Channel | undefined)[] = [];
  private openChannels = 0;
  channelMax: number;
  frameMax: number;
  private heartbeat = 0;
  private flushScheduled = false;
  private readonly flushBound = () => this.flush();
  /** Set when the socket's buffer is over WRITE_BACKLOG; cleared on 'drain'. */
  writeBlocked = false;
  private lastRead = Date.now();
  /** When something was last written: heartbeats fill silences of half the interval. */
  private lastWrite = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Cuts a closing socket once its peer is silent (linger). */
  private closeTimer: NodeJS.Timeout | undefined;
  /** Holds a place among the connections in the handshake until open or close (Broker.enterHandshake). */
  private leaveHandshake: (() => void) | undefined;
  /** Published at least once: blocked by the memory alarm. */
  private blocked = false;
  private released = false;
  /** Channels with confirms to send at the next flush. */
  readonly confirming: Channel[] = [];

  constructor(
    readonly broker: Broker,
    readonly socket: Socket,
    /** When the socket connected: a TLS handshake before this connection counts against handshake_timeout. */
    connectedAt = Date.now(),
    leaveHandshake?: () => void,
  ) {
    this.leaveHandshake = leaveHandshake;
    const o = broker.options;
    this.channelMax = o.channelMax;
    this.frameMax = o.frameMax;
    this.log = o.logger.child({ connection: this.id, remote: `${socket.remoteAddress}:${socket.remotePort}` });
    this.parser = new FrameParser(this, { protocolHeader: true, frameMax: 4096 });
    this.writer = new FrameWriter({ frameMax: 4096, referenceBodiesFrom: REFERENCE_BODIES_FROM });
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.onDrain());
    socket.on("error", (e) => this.log.debug({ err: e.message }, "socket error"));
    socket.on("close", () => this.onClose());
    this.timer = setTimeout(
      () => {
        if (this.state < State.Open) {
          this.log.warn({}, "handshake timeout");
          socket.destroy();
        }
      },
      Math.max(0, connectedAt + o.handshakeTimeout - Date.now()),
    );
    this.timer.unref();
  }

  // ---- input ----------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    this.lastRead = Date.now();
    if (this.state === State.Closed) return;
    try {
      this.parser.push(chunk);
    } catch (e) {
      this.fail(e);
    }
  }

  onProtocolHeader(header: Buffer): void {
    // AMQP 0-9-1, and the 0-9 header some old clients send, which RabbitMQ also accepts.
    const ok = header.equals(PROTOCOL_HEADER) || header.equals(Buffer.from("AMQP\x01\x01\x00\x09", "latin1"));
    if (!ok) {
      this.log.info({ header: header.toString("hex") }, "wrong protocol header");
      this.state = State.Closed;
      this.socket.write(PROTOCOL_HEADER);
      this.endSocket();
      return;
    }
    this.state = State.AwaitingStartOk;
    const o = this.broker.options;
    this.send(0, {
      id: MethodId.ConnectionStart,
      versionMajor: 0,
      versionMinor: 9,
      serverProperties: serverProperties(o.product, o.version),
      mechanisms: Buffer.from(o.authenticator.mechanisms.join(" ")),
      locales: Buffer.from("en_US"),
    });
  }

  onMethod(channel: number, method: Method): void {
    if (this.state === State.Closed) return;
    if (this.state === State.Closing) {
      // Only the close handshake counts now.
      if (channel === 0 && method.id === MethodId.ConnectionCloseOk) this.finish();
      else if (channel === 0 && method.id === MethodId.ConnectionClose) this.sendCloseOkAndFinish();
      return;
    }
    try {
      if (channel === 0) this.onConnectionMethod(method);
      else this.onChannelMethod(channel, method);
    } catch (e) {
      this.fail(e, channel);
    }
  }

  onHeader(channel: number, _classId: number, bodySize: number, properties: Buffer): void {
    if (this.state !== State.Open) return;
    const c = this.channels[channel];
    if (c === undefined) return this.fail(channelError(`expected 'channel.open'`));
    try {
      c.onHeader(bodySize, properties);
    } catch (e) {
      this.fail(e, channel);
    }
  }

  onBody(channel: number, body: Buffer): void {
    if (this.state !== State.Open) return;
    const c = this.channels[channel];
    if (c === undefined) return;
    try {
      c.onBody(body);
    } catch (e) {
      this.fail(e, channel);
    }
  }

  onHeartbeat(): void {}

  private onConnectionMethod(m: Method): void {
    if (this.state < State.Open) return this.onHandshakeMethod(m);
    switch (m.id) {
      case MethodId.ConnectionClose:
        this.log.debug({ replyCode: m.replyCode, replyText: m.replyText }, "client closed the connection");
        return this.sendCloseOkAndFinish();
      case MethodId.ConnectionCloseOk:
        return this.finish();
      case MethodId.ConnectionUpdateSecret:
        // Accepted as RabbitMQ does for a mechanism whose secret does not expire.
        return this.send(0, { id: MethodId.ConnectionUpdateSecretOk });
      case MethodId.ConnectionBlocked:
      case MethodId.ConnectionUnblocked:
        return;
    }
    throw new ConnectionError(ReplyCode.CHANNEL_ERROR, "unexpected method in connection state running", m.id >>> 16, m.id & 0xffff);
  }

  /** Before connection.open-ok: the handshake, in order; anything else ends it. */
  private onHandshakeMethod(m: Method): void {
    switch (m.id) {
      case MethodId.ConnectionStartOk:
        if (this.state !== State.AwaitingStartOk) break;
        return this.onStartOk(m.clientProperties, m.mechanism, m.response);
      case MethodId.ConnectionTuneOk:
        if (this.state !== State.AwaitingTuneOk) break;
        return this.onTuneOk(m.channelMax, m.frameMax, m.heartbeat);
      case MethodId.ConnectionOpen:
        if (this.state !== State.AwaitingOpen) break;
        return this.onOpen(m.virtualHost);
      case MethodId.ConnectionClose:
        return this.sendCloseOkAndFinish();
    }
    return this.handshakeFailed(`unexpected method ${methodLabel(m)} during the handshake`);
  }

  /**
   * A failed handshake is not answered with connection.close: as RabbitMQ, the server stops reading
   * and drops the socket a little later (which also slows down password guessing).
   */
  private handshakeFailed(reason: string): void {
    this.log.warn({ reason }, "handshake failed");
    this.state = State.Closed;
    this.socket.pause();
    const t = setTimeout(() => this.socket.destroy(), this.broker.options.handshakeErrorDelay);
    t.unref();
  }

  private onStartOk(clientProperties: FieldTable, mechanism: string, response: Buffer): void {
    this.clientProperties = clientProperties;
    const caps = clientProperties.capabilities;
    if (caps !== null && typeof caps === "object" && !Array.isArray(caps) && !(caps instanceof Uint8Array) && !(caps instanceof Date)) {
      const c = caps as FieldTable;
      this.consumerCancelNotify = c.consumer_cancel_notify === true;
      this.blockedNotify = c["connection.blocked"] === true;
      this.authFailureClose = c.authentication_failure_close === true;
    }
    const auth = this.broker.options.authenticator;
    if (!auth.mechanisms.includes(mechanism)) return this.handshakeFailed(`unknown authentication mechanism '${mechanism}'`);
    const result = auth.authenticate({
      mechanism,
      response,
      remoteAddress: this.socket.remoteAddress ?? "",
      peerCertificateSubject: peerSubject(this.socket),
    });
    if (!(result instanceof Promise)) return this.onLogin(mechanism, result);
    this.state = State.Authenticating;
    result.then(
      (r) => {
        if (this.state === State.Authenticating) this.onLogin(mechanism, r);
      },
      (err: unknown) => {
        if (this.state !== State.Authenticating) return;
        this.log.error({ err: err instanceof Error ? err.message : String(err) }, "authenticator failed");
        this.onLogin(mechanism, { ok: false, reason: "authenticator error" });
      },
    );
  }

  private onLogin(mechanism: string, result: LoginResult): void {
    if (!result.ok) {
      this.broker.counters.authFailures++;
      this.log.warn({ mechanism, reason: result.reason }, "login refused");
      const text = `ACCESS_REFUSED - Login was refused using authentication mechanism ${mechanism}. For details see the broker logfile.`;
      if (!this.authFailureClose) return this.handshakeFailed(`login refused: ${result.reason}`);
      this.send(0, { id: MethodId.ConnectionClose, replyCode: ReplyCode.ACCESS_REFUSED, replyText: text, classId: 0, methodId: 0 });
      this.flush();
      this.state = State.Closed;
      this.endSocket();
      return;
    }
    this.user = result.user;
    this.state = State.AwaitingTuneOk;
    const o = this.broker.options;
    this.send(0, { id: MethodId.ConnectionTune, channelMax: o.channelMax, frameMax: o.frameMax, heartbeat: o.heartbeat });
  }

  private onTuneOk(channelMax: number, frameMax: number, heartbeat: number): void {
    const o = this.broker.options;
    if (frameMax !== 0 && frameMax < 4096) {
      return this.handshakeFailed(`negotiated frame_max = ${frameMax} is lower than the minimum allowed value (4096)`);
    }
    if (frameMax === 0 || frameMax > o.frameMax) {
      return this.handshakeFailed(`negotiated frame_max = ${frameMax} is higher than the maximum allowed value (${o.frameMax})`);
    }
    if (channelMax === 0 || channelMax > o.channelMax) {
      return this.handshakeFailed(`negotiated channel_max = ${channelMax} is higher than the maximum allowed value (${o.channelMax})`);
    }
    this.frameMax = frameMax;
    this.channelMax = channelMax;
    this.parser.frameMax = frameMax;
    this.writer.frameMax = frameMax;
    this.heartbeat = heartbeat;
    this.state = State.AwaitingOpen;
  }

  private onOpen(vhostName: string): void {
    const vhost = this.broker.vhosts.get(vhostName);
    if (vhost === undefined || !this.broker.options.authenticator.canAccessVhost(this.user, vhostName)) {
      throw new ConnectionError(
        ReplyCode.NOT_ALLOWED,
        vhost === undefined ? `vhost ${vhostName} not found` : `access to vhost '${vhostName}' refused for user '${this.user}'`,
        10,
        40,
      );
    }
    this.vhost = vhost;
    this.state = State.Open;
    clearTimeout(this.timer);
    this.handshakeOver();
    this.startHeartbeats();
    this.send(0, { id: MethodId.ConnectionOpenOk });
    this.broker.connectionOpened(this);
    this.log.info({ user: this.user, vhost: vhostName }, "connection open");
  }

  private onChannelMethod(number: number, m: Method): void {
    if (this.state !== State.Open) {
      throw new ConnectionError(ReplyCode.CHANNEL_ERROR, `expected 'connection.open' before ${methodLabel(m)}`);
    }
    const c = this.channels[number];
    if (m.id >>> 16 === 10) throw new ConnectionError(ReplyCode.COMMAND_INVALID, "unimplemented method", 10, m.id & 0xffff);
    if (m.id === MethodId.ChannelOpen) {
      if (c !== undefined) throw new ConnectionError(ReplyCode.CHANNEL_ERROR, "second 'channel.open' seen", 20, 10);
      if (this.openChannels >= this.channelMax || number > 65535) {
        throw notAllowed(`number of channels opened (${this.openChannels}) has reached the negotiated channel_max (${this.channelMax})`);
      }
      this.channels[number] = new Channel(this, number);
      this.openChannels++;
      this.broker.counters.channelsOpened++;
      this.send(number, { id: MethodId.ChannelOpenOk });
      return;
    }
    if (c === undefined) throw new ConnectionError(ReplyCode.CHANNEL_ERROR, "expected 'channel.open'", m.id >>> 16, m.id & 0xffff);
    c.onMethod(m);
  }

  // ---- errors and closing ---------------------------------------------------------------------

  /** Handles anything thrown while processing input: a channel error, or the end of the connection. */
  private fail(e: unknown, channel = 0): void {
    if (e instanceof ChannelError && channel !== 0) {
      const c = this.channels[channel];
      this.log.info({ channel, replyCode: e.replyCode, replyText: e.replyText }, "channel error");
      if (c !== undefined) c.closeWithError(e);
      return;
    }
    if (e instanceof AmqpError || e instanceof ProtocolError) {
      this.log.warn({ channel, replyCode: e.replyCode, replyText: e.replyText }, "connection error");
      this.closeWithError(e.replyCode, e.replyText, e.classId, e.methodId, e instanceof ProtocolError);
      return;
    }
    this.log.error({ err: e instanceof Error ? e.stack : String(e) }, "internal error");
    this.closeWithError(ReplyCode.INTERNAL_ERROR, "INTERNAL_ERROR", 0, 0, true);
  }

  /**
   * Sends connection.close and waits for close-ok. After a framing error the input cannot be trusted,
   * so the socket is ended at once, as RabbitMQ does.
   */
  closeWithError(replyCode: number, replyText: string, classId: number, methodId: number, endNow = false): void {
    if (this.state >= State.Closing) return;
    const handshaking = this.state < State.Open;
    this.state = State.Closing;
    this.closeChannels();
    this.send(0, { id: MethodId.ConnectionClose, replyCode, replyText, classId, methodId });
    this.flush();
    if (endNow || handshaking) {
      this.state = State.Closed;
      this.release();
      this.endSocket();
      return;
    }
    this.linger(CLOSE_OK_IDLE, false);
  }

  /**
   * The client closed: close-ok, then, as RabbitMQ, the socket stays open, its input read and
   * discarded, until the client closes it (it may still be writing frames it queued before its
   * connection.close: amqplib does), or CLOSING_TIMEOUT passes.
   */
  private sendCloseOkAndFinish(): void {
    this.closeChannels();
    this.send(0, { id: MethodId.ConnectionCloseOk });
    this.flush();
    this.state = State.Closed;
    this.release();
    this.linger(CLOSE_IDLE, false);
  }

  /** Our connection.close was answered: let go of everything now, and end our half of the socket. */
  private finish(): void {
    this.flush();
    this.state = State.Closed;
    this.release();
    this.linger(CLOSE_IDLE, true);
  }

  /** Ends our half once our last octets are out; what the peer still sends is read and discarded. */
  private endSocket(): void {
    this.linger(END_IDLE, true);
  }

  /**
   * Reads and discards the peer's input until it closes the socket; once it has been silent for
   * `idle` ms (and our own octets are out), or after CLOSING_TIMEOUT, the socket is closed. With
   * `fin`, our half is ended at once.
   */
  private linger(idle: number, fin: boolean): void {
    const s = this.socket;
    if (s.destroyed) return;
    s.resume();
    if (fin) s.end();
    clearTimeout(this.closeTimer);
    const deadline = Date.now() + CLOSING_TIMEOUT;
    const check = (): void => {
      if (s.destroyed) return;
      const now = Date.now();
      const quiet = now - this.lastRead;
      if (now >= deadline || (quiet >= idle && s.writableLength === 0)) {
        s.end();
        s.destroy();
        return;
      }
      this.closeTimer = setTimeout(check, Math.max(10, idle - quiet));
      this.closeTimer.unref();
    };
    this.lastRead = Math.max(this.lastRead, Date.now() - idle / 2);
    this.closeTimer = setTimeout(check, idle);
    this.closeTimer.unref();
    s.once("close", () => clearTimeout(this.closeTimer));
  }

  /** The channel was closed (close-ok sent or received): its number is free again. */
  channelClosed(c: Channel): void {
    if (this.channels[c.number] === c) {
      this.channels[c.number] = undefined;
      this.openChannels--;
      this.broker.counters.channelsClosed++;
    }
  }

  /** Gives back this connection's place among those in the handshake (once). */
  private handshakeOver(): void {
    const leave = this.leaveHandshake;
    if (leave === undefined) return;
    this.leaveHandshake = undefined;
    leave();
  }

  get channelCount(): number {
    return this.openChannels;
  }

  private closeChannels(): void {
    for (const c of this.channels) if (c !== undefined) c.release();
    this.broker.counters.channelsClosed += this.openChannels;
    this.channels.length = 0;
    this.openChannels = 0;
  }

  private onClose(): void {
    this.state = State.Closed;
    this.release();
    this.log.debug({}, "connection closed");
  }

  /** Channels, exclusive queues and timers go; the broker forgets the connection. Idempotent. */
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.handshakeOver();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.closeChannels();
    this.vhost?.dropExclusiveQueues(this);
    this.broker.connectionClosed(this);
  }

  // ---- output ---------------------------------------------------------------------------------

  send(channel: number, method: MethodArgs): void {
    this.writer.method(channel, method);
    this.scheduleFlush();
  }

  scheduleFlush(): void {
    if (this.writer.length >= FLUSH_AT) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushBound);
    }
  }

  /** Writes everything gathered since the last flush in one socket write. */
  flush(): void {
    this.flushScheduled = false;
    for (const c of this.confirming.splice(0)) c.sendConfirms();
    if (this.writer.length === 0 || this.socket.destroyed) return;
    this.lastWrite = Date.now();
    const chunks = this.writer.takeChunks();
    if (chunks.length === 1) this.socket.write(chunks[0]!);
    else {
      // corked, the pieces leave in one writev
      this.socket.cork();
      for (const c of chunks) this.socket.write(c);
      this.socket.uncork();
    }
    if (this.socket.writableLength > WRITE_BACKLOG) this.writeBlocked = true;
  }

  private onDrain(): void {
    if (!this.writeBlocked) return;
    this.writeBlocked = false;
    for (const c of this.channels) if (c !== undefined) c.resume();
  }

  // ---- heartbeats and flow control ------------------------------------------------------------

  /**
   * From the end of the handshake, the client hears from us at least every half interval: a
   * heartbeat fills any half interval in which nothing else was written (RabbitMQ's sender does the
   * same). One timer per connection, re-armed for the moment the current silence reaches half the
   * interval, never per write. A client silent for two intervals is dropped.
   */
  private startHeartbeats(): void {
    if (this.heartbeat === 0) return;
    this.lastWrite = Date.now();
    this.timer = setTimeout(this.heartbeatTickBound, this.heartbeat * 500);
    this.timer.unref();
  }

  private readonly heartbeatTickBound = (): void => this.heartbeatTick();

  private heartbeatTick(): void {
    if (this.state === State.Closed) return;
    const half = this.heartbeat * 500;
    const now = Date.now();
    // A blocked connection is not read, so its heartbeats cannot count.
    if (this.blocked) this.lastRead = now;
    if (now - this.lastRead > this.heartbeat * 2000) {
      this.log.warn({ heartbeat: this.heartbeat }, "missed heartbeats from client, closing");
      this.socket.destroy();
      return;
    }
    // Timers fire up to a few ms late or early: within 5% of the half interval counts as silent.
    if (now - this.lastWrite >= half - half / 20) {
      this.writer.heartbeat();
      this.flush();
    }
    this.timer = setTimeout(this.heartbeatTickBound, Math.max(half / 20, this.lastWrite + half - now));
    this.timer.unref();
  }

  /**
   * A publish came in: under the memory alarm, stop reading this connection. As RabbitMQ, only a
   * connection that publishes while the alarm is on is blocked; consumers keep draining.
   */
  notePublish(): void {
    if (this.broker.memory.alarmed && !this.blocked) this.block();
  }

  /** The memory alarm went off: blocked connections are read again. */
  onMemoryAlarm(alarm: boolean): void {
    if (!alarm && this.blocked) {
      this.blocked = false;
      if (this.blockedNotify) this.send(0, { id: MethodId.ConnectionUnblocked });
      this.socket.resume();
    }
  }

  private block(): void {
    this.blocked = true;
    this.socket.pause();
    if (this.blockedNotify) this.send(0, { id: MethodId.ConnectionBlocked, reason: "low on memory" });
    this.log.info({ bytes: this.broker.memory.bytes }, "connection blocked: memory alarm");
  }

  /**
   * Closes the connection from the server side: 320 CONNECTION_FORCED, with RabbitMQ's text for a
   * shutdown, or `explanation` when given (RabbitMQ's "vhost 'v' is deleted", "user 'u' is deleted").
   */
  forceClose(reason: string, explanation?: string): void {
    const text = explanation ?? `broker forced connection closure with reason '${reason}'`;
    this.closeWithError(ReplyCode.CONNECTION_FORCED, `CONNECTION_FORCED - ${text}`, 0, 0);
  }

  get closed(): boolean {
    return this.state === State.Closed;
  }
}

/** The client certificate's subject on a TLS socket whose peer the CA verified. */
function peerSubject(socket: Socket): Record<string, string | string[]> | undefined {
  const tls = socket as Socket & { authorized?: boolean; getPeerCertificate?: () => { subject?: Record<string, string | string[]> } };
  if (typeof tls.getPeerCertificate !== "function" || tls.authorized !== true) return undefined;
  const subject = tls.getPeerCertificate().subject;
  return subject !== undefined && Object.keys(subject).length > 0 ? { ...subject } : undefined;
}

function methodLabel(m: Method): string {
  return `${m.id >>> 16}/${m.id & 0xffff}`;
}

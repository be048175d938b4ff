/**
 * One client connection: channel 0 and its channels, closing, and the socket (the handshake is
 * handshake.ts; heartbeats and the linger of a closing socket, liveness.ts). Frames come in
 * through a FrameParser; everything going out is gathered in one FrameWriter and written once per
 * event-loop turn (or sooner, past 256 KiB). Connection errors close the connection with
 * connection.close; channel errors close only their channel.
 */
import type { Socket } from "node:net";
import { type FieldTable, FrameParser, FrameWriter, type Method, MethodId, type MethodArgs, ProtocolError, ReplyCode } from "@amqp-go/protocol";
import type { Broker } from "../broker.js";
import { AmqpError, ChannelError, channelError, ConnectionError } from "../errors.js";
import type { Logger } from "../ports.js";
import type { Vhost } from "../vhost.js";
import type { Channel } from "../channel/channel.js";
import { ChannelTable } from "./channel-table.js";
import { State } from "./connection-state.js";
import { Handshake, type HandshakeHost, methodLabel } from "./handshake.js";
import { Linger, Liveness, type LivenessHost } from "./liveness.js";
import { Reading } from "./flow.js";
import type { FlowSource } from "../queue/flow.js";

/** Output buffered beyond this is written at once instead of at the end of the turn. */
const FLUSH_AT = 256 * 1024;
/**
 * Bodies from this size on are written from the message's own Buffer (writev), not copied into the
 * output buffer: 64 KiB messages, bench 64k scenario, one copy and one buffer allocation less each.
 */
const REFERENCE_BODIES_FROM = 8 * 1024;
/** Deliveries pause while this much is waiting in the socket (its 'drain' resumes them). */
const WRITE_BACKLOG = 1024 * 1024;
let nextId = 1;

export class Connection implements HandshakeHost, LivenessHost {
  readonly id = nextId++;
  readonly log: Logger;
  readonly writer: FrameWriter;
  vhost: Vhost | null = null;
  user = "";
  authMechanism = "";
  /** The heartbeat interval agreed in tune-ok, seconds (0: none). */
  heartbeat = 0;
  /** Client capabilities we adapt to. */
  consumerCancelNotify = false;
  blockedNotify = false;
  authFailureClose = false;
  clientProperties: FieldTable = {};

  /** Shared with the handshake, which moves it up to Open. */
  state = State.AwaitingHeader;
  private readonly parser: FrameParser;
  private readonly channels: ChannelTable;
  channelMax: number;
  frameMax: number;
  private flushScheduled = false;
  private readonly flushBound = () => this.flush();
  /** Set when the socket's buffer is over WRITE_BACKLOG; cleared on 'drain'. */
  writeBlocked = false;
  readonly liveness = new Liveness(this);
  /** The handshake, its timeout and its place among the connections in the handshake (handshake.ts). */
  private readonly handshake: Handshake;
  /** Whether the socket is read: credit flow and the memory alarm stop it (flow.ts). */
  readonly reading = new Reading(this);
  private released = false;
  private readonly resumeBound = () => this.resumeInput();
  /** Channels with confirms to send at the next flush. */
  readonly confirming: Channel[] = [];

  constructor(
    readonly broker: Broker,
    readonly socket: Socket,
    /** When the socket connected, ms since the epoch: a TLS handshake before this connection counts against handshake_timeout. */
    readonly connectedAt = Date.now(),
    /** Gives back the place among the connections in the handshake (Broker.enterHandshake). */
    leaveHandshake?: () => void,
  ) {
    const o = broker.options;
    this.channels = new ChannelTable(broker.counters);
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
    this.handshake = new Handshake(this, connectedAt, leaveHandshake);
  }

  // ---- input ----------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    this.liveness.lastRead = Date.now();
    if (this.state === State.Closed) return;
    this.reading.read(chunk.length);
    try {
      this.parser.push(chunk);
    } catch (e) {
      this.fail(e);
    }
  }

  onProtocolHeader(header: Buffer): void {
    this.handshake.onProtocolHeader(header);
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
    const c = this.channels.get(channel);
    if (c === undefined) return this.fail(channelError(`expected 'channel.open'`));
    try {
      c.onHeader(bodySize, properties);
    } catch (e) {
      this.fail(e, channel);
    }
  }

  onBody(channel: number, body: Buffer): void {
    if (this.state !== State.Open) return;
    const c = this.channels.get(channel);
    if (c === undefined) return;
    try {
      c.onBody(body);
    } catch (e) {
      this.fail(e, channel);
    }
  }

  onHeartbeat(): void {}

  private onConnectionMethod(m: Method): void {
    if (this.state < State.Open) return this.handshake.onMethod(m);
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

  tuned(channelMax: number, frameMax: number): void {
    this.frameMax = frameMax;
    this.channelMax = channelMax;
    this.parser.frameMax = frameMax;
    this.writer.frameMax = frameMax;
  }

  opened(vhost: Vhost, heartbeat: number): void {
    this.vhost = vhost;
    this.heartbeat = heartbeat;
    this.state = State.Open;
    this.handshake.over();
    this.liveness.startHeartbeats(heartbeat);
    this.send(0, { id: MethodId.ConnectionOpenOk });
    this.broker.connectionOpened(this);
  }

  private onChannelMethod(number: number, m: Method): void {
    if (this.state !== State.Open) {
      throw new ConnectionError(ReplyCode.CHANNEL_ERROR, `expected 'connection.open' before ${methodLabel(m)}`);
    }
    const c = this.channels.get(number);
    if (m.id >>> 16 === 10) throw new ConnectionError(ReplyCode.COMMAND_INVALID, "unimplemented method", 10, m.id & 0xffff);
    if (m.id === MethodId.ChannelOpen) {
      this.channels.openChannel(this, number, this.channelMax);
      this.send(number, { id: MethodId.ChannelOpenOk });
      return;
    }
    if (c === undefined) throw new ConnectionError(ReplyCode.CHANNEL_ERROR, "expected 'channel.open'", m.id >>> 16, m.id & 0xffff);
    c.onMethod(m);
    // exchange (40) and queue (50) methods: the costly ones, handled for a while each turn
    const classId = m.id >>> 16;
    if ((classId === 50 || classId === 40) && this.reading.overBudget()) this.yieldTurn();
  }

  /** Stops handling input for this turn: the rest of what was read, and no more, at the next one. */
  private yieldTurn(): void {
    if (this.parser.holding) return;
    this.parser.hold();
    this.reading.yieldTurn(true);
    setImmediate(this.resumeBound);
  }

  private resumeInput(): void {
    if (this.state === State.Closed) return;
    this.reading.newTurn();
    try {
      this.parser.resume();
    } catch (e) {
      this.fail(e);
    }
    if (!this.parser.holding) this.reading.yieldTurn(false);
  }

  // ---- errors and closing ---------------------------------------------------------------------

  /** Handles anything thrown while processing input: a channel error, or the end of the connection. */
  private fail(e: unknown, channel = 0): void {
    if (e instanceof ChannelError && channel !== 0) {
      const c = this.channels.get(channel);
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
    this.channels.releaseAll();
    this.send(0, { id: MethodId.ConnectionClose, replyCode, replyText, classId, methodId });
    this.flush();
    if (endNow || handshaking) {
      this.state = State.Closed;
      this.release();
      this.endSocket();
      return;
    }
    this.liveness.linger(Linger.AwaitingCloseOk, false);
  }

  /**
   * The client closed: close-ok, then, as RabbitMQ, the socket stays open, its input read and
   * discarded, until the client closes it (it may still be writing frames it queued before its
   * connection.close: amqplib does), or CLOSING_TIMEOUT passes.
   */
  sendCloseOkAndFinish(): void {
    this.channels.releaseAll();
    this.send(0, { id: MethodId.ConnectionCloseOk });
    this.flush();
    this.state = State.Closed;
    this.release();
    this.liveness.linger(Linger.AfterClose, false);
  }

  /** Our connection.close was answered: let go of everything now, and end our half of the socket. */
  private finish(): void {
    this.flush();
    this.state = State.Closed;
    this.release();
    this.liveness.linger(Linger.AfterClose, true);
  }

  /** Ends our half once our last octets are out; what the peer still sends is read and discarded. */
  endSocket(): void {
    this.liveness.linger(Linger.AfterError, true);
  }

  /** The channel was closed (close-ok sent or received): its number is free again. */
  channelClosed(c: Channel): void {
    this.channels.closed(c);
  }

  get channelCount(): number {
    return this.channels.count;
  }

  /** The open channels, for the management API (a copy). */
  openChannelList(): Channel[] {
    return this.channels.list();
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
    this.handshake.over();
    this.liveness.stopHeartbeats();
    this.channels.releaseAll();
    this.vhost?.dropExclusiveQueues(this);
    this.reading.release(this);
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
    // what the replies confirm (declare-ok...) is on disk before they go
    this.broker.syncDefinitions();
    for (const c of this.confirming.splice(0)) c.sendConfirms();
    if (this.writer.length === 0 || this.socket.destroyed) return;
    this.liveness.lastWrite = Date.now();
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
    this.channels.resume();
  }

  // ---- heartbeats and flow control ------------------------------------------------------------

  sendHeartbeat(): void {
    this.writer.heartbeat();
    this.flush();
  }

  /**
   * A publish came in: under the memory or disk alarm, stop reading this connection. As RabbitMQ,
   * only a connection that publishes while an alarm is on is blocked; consumers keep draining.
   */
  notePublish(): void {
    const memory = this.broker.memory;
    if (memory.alarmed) this.reading.publishedUnderAlarm("low on memory", { bytes: memory.bytes });
    else if (this.broker.disk?.alarmed === true) this.reading.publishedUnderAlarm("low on disk", { free: this.broker.disk.free });
  }

  /** A publish reached `queue` while it was over its flow mark: this connection waits for it. */
  heldBackBy(queue: FlowSource): void {
    this.reading.heldBack(queue, this);
  }

  /** FlowPublisher: `queue` no longer holds this connection back. */
  flowResumed(queue: FlowSource): void {
    this.reading.released(queue);
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

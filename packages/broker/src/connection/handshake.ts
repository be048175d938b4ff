/**
 * The handshake of a connection, from the protocol header to connection.open-ok: start, start-ok
 * with its login, tune, tune-ok, open. A failed handshake is answered as RabbitMQ does (silence and
 * a late drop; connection.close only for clients that asked for it).
 */
import type { Socket } from "node:net";
import { type FieldTable, type Method, MethodId, type MethodArgs, PROTOCOL_HEADER, ReplyCode } from "@amqp-go/protocol";
import type { Broker } from "../broker.js";
import { ConnectionError } from "../errors.js";
import type { Logger, LoginResult } from "../ports.js";
import type { Vhost } from "../vhost.js";
import { State } from "./connection-state.js";
import { serverProperties } from "./server-properties.js";

/** The 0-9 header some old clients send, which RabbitMQ also accepts. */
const PROTOCOL_HEADER_0_9 = Buffer.from("AMQP\x01\x01\x00\x09", "latin1");

/** What the handshake reads and sets on its connection. */
export interface HandshakeHost {
  state: State;
  readonly socket: Socket;
  readonly log: Logger;
  readonly broker: Broker;
  user: string;
  /** The SASL mechanism the user logged in with. */
  authMechanism: string;
  clientProperties: FieldTable;
  consumerCancelNotify: boolean;
  blockedNotify: boolean;
  authFailureClose: boolean;
  send(channel: number, method: MethodArgs): void;
  flush(): void;
  /** Ends our half of the socket, reading and discarding what still comes. */
  endSocket(): void;
  /** connection.close during the handshake: close-ok. */
  sendCloseOkAndFinish(): void;
  /** tune-ok accepted: these limits hold from now on. */
  tuned(channelMax: number, frameMax: number): void;
  /** connection.open accepted: open-ok, heartbeats from now. */
  opened(vhost: Vhost, heartbeat: number): void;
}

export class Handshake {
  private heartbeat = 0;
  /** handshake_timeout, from when the socket connected: the socket is destroyed if not open by then. */
  private readonly timer: NodeJS.Timeout;
  /** Gives back the connection's place among those in the handshake (Broker.enterHandshake); once. */
  private leave: (() => void) | undefined;

  constructor(
    private readonly c: HandshakeHost,
    /** When the socket connected, ms since the epoch (a TLS handshake before counts against the timeout). */
    connectedAt: number,
    leave: (() => void) | undefined,
  ) {
    this.leave = leave;
    this.timer = setTimeout(
      () => {
        if (c.state < State.Open) {
          c.log.warn({}, "handshake timeout");
          c.socket.destroy();
        }
      },
      Math.max(0, connectedAt + c.broker.options.handshakeTimeout - Date.now()),
    );
    this.timer.unref();
  }

  /** Open or closed: the timeout stops, the place among the connections in the handshake is given back. */
  over(): void {
    clearTimeout(this.timer);
    const leave = this.leave;
    if (leave === undefined) return;
    this.leave = undefined;
    leave();
  }

  onProtocolHeader(header: Buffer): void {
    const c = this.c;
    if (!header.equals(PROTOCOL_HEADER) && !header.equals(PROTOCOL_HEADER_0_9)) {
      c.log.info({ header: header.toString("hex") }, "wrong protocol header");
      c.state = State.Closed;
      c.socket.write(PROTOCOL_HEADER);
      c.endSocket();
      return;
    }
    c.state = State.AwaitingStartOk;
    const o = c.broker.options;
    c.send(0, {
      id: MethodId.ConnectionStart,
      versionMajor: 0,
      versionMinor: 9,
      serverProperties: serverProperties(o.product, o.version),
      mechanisms: Buffer.from(o.authenticator.mechanisms.join(" ")),
      locales: Buffer.from("en_US"),
    });
  }

  /** Before connection.open-ok: the handshake, in order; anything else ends it. */
  onMethod(m: Method): void {
    const state = this.c.state;
    switch (m.id) {
      case MethodId.ConnectionStartOk:
        if (state !== State.AwaitingStartOk) break;
        return this.onStartOk(m.clientProperties, m.mechanism, m.response);
      case MethodId.ConnectionTuneOk:
        if (state !== State.AwaitingTuneOk) break;
        return this.onTuneOk(m.channelMax, m.frameMax, m.heartbeat);
      case MethodId.ConnectionOpen:
        if (state !== State.AwaitingOpen) break;
        return this.onOpen(m.virtualHost);
      case MethodId.ConnectionClose:
        return this.c.sendCloseOkAndFinish();
    }
    return this.failed(`unexpected method ${methodLabel(m)} during the handshake`);
  }

  /**
   * A failed handshake is not answered with connection.close: as RabbitMQ, the server stops reading
   * and drops the socket a little later (which also slows down password guessing).
   */
  private failed(reason: string): void {
    const c = this.c;
    c.log.warn({ reason }, "handshake failed");
    c.state = State.Closed;
    c.socket.pause();
    const t = setTimeout(() => c.socket.destroy(), c.broker.options.handshakeErrorDelay);
    t.unref();
  }

  private onStartOk(clientProperties: FieldTable, mechanism: string, response: Buffer): void {
    const c = this.c;
    c.clientProperties = clientProperties;
    const caps = clientProperties.capabilities;
    if (caps !== null && typeof caps === "object" && !Array.isArray(caps) && !(caps instanceof Uint8Array) && !(caps instanceof Date)) {
      const t = caps as FieldTable;
      c.consumerCancelNotify = t.consumer_cancel_notify === true;
      c.blockedNotify = t["connection.blocked"] === true;
      c.authFailureClose = t.authentication_failure_close === true;
    }
    const auth = c.broker.options.authenticator;
    if (!auth.mechanisms.includes(mechanism)) return this.failed(`unknown authentication mechanism '${mechanism}'`);
    const result = auth.authenticate({
      mechanism,
      response,
      remoteAddress: c.socket.remoteAddress ?? "",
      peerCertificateSubject: peerSubject(c.socket),
    });
    if (!(result instanceof Promise)) return this.onLogin(mechanism, result);
    c.state = State.Authenticating;
    result.then(
      (r) => {
        if (c.state === State.Authenticating) this.onLogin(mechanism, r);
      },
      (err: unknown) => {
        if (c.state !== State.Authenticating) return;
        c.log.error({ err: err instanceof Error ? err.message : String(err) }, "authenticator failed");
        this.onLogin(mechanism, { ok: false, reason: "authenticator error" });
      },
    );
  }

  private onLogin(mechanism: string, result: LoginResult): void {
    const c = this.c;
    if (!result.ok) {
      c.broker.counters.authFailures++;
      c.log.warn({ mechanism, reason: result.reason }, "login refused");
      const text = `ACCESS_REFUSED - Login was refused using authentication mechanism ${mechanism}. For details see the broker logfile.`;
      if (!c.authFailureClose) return this.failed(`login refused: ${result.reason}`);
      c.send(0, { id: MethodId.ConnectionClose, replyCode: ReplyCode.ACCESS_REFUSED, replyText: text, classId: 0, methodId: 0 });
      c.flush();
      c.state = State.Closed;
      c.endSocket();
      return;
    }
    c.broker.counters.authSucceeded++;
    c.user = result.user;
    c.authMechanism = mechanism;
    c.state = State.AwaitingTuneOk;
    const o = c.broker.options;
    c.send(0, { id: MethodId.ConnectionTune, channelMax: o.channelMax, frameMax: o.frameMax, heartbeat: o.heartbeat });
  }

  private onTuneOk(channelMax: number, frameMax: number, heartbeat: number): void {
    const o = this.c.broker.options;
    if (frameMax !== 0 && frameMax < 4096) {
      return this.failed(`negotiated frame_max = ${frameMax} is lower than the minimum allowed value (4096)`);
    }
    if (frameMax === 0 || frameMax > o.frameMax) {
      return this.failed(`negotiated frame_max = ${frameMax} is higher than the maximum allowed value (${o.frameMax})`);
    }
    if (channelMax === 0 || channelMax > o.channelMax) {
      return this.failed(`negotiated channel_max = ${channelMax} is higher than the maximum allowed value (${o.channelMax})`);
    }
    this.heartbeat = heartbeat;
    this.c.tuned(channelMax, frameMax);
    this.c.state = State.AwaitingOpen;
  }

  private onOpen(vhostName: string): void {
    const c = this.c;
    const vhost = c.broker.vhosts.get(vhostName);
    if (vhost === undefined || !c.broker.options.authenticator.canAccessVhost(c.user, vhostName)) {
      throw new ConnectionError(
        ReplyCode.NOT_ALLOWED,
        vhost === undefined ? `vhost ${vhostName} not found` : `access to vhost '${vhostName}' refused for user '${c.user}'`,
        10,
        40,
      );
    }
    c.opened(vhost, this.heartbeat);
    c.log.info({ user: c.user, vhost: vhostName }, "connection open");
  }
}

/** The client certificate's subject on a TLS socket whose peer the CA verified. */
function peerSubject(socket: Socket): Record<string, string | string[]> | undefined {
  const tls = socket as Socket & { authorized?: boolean; getPeerCertificate?: () => { subject?: Record<string, string | string[]> } };
  if (typeof tls.getPeerCertificate !== "function" || tls.authorized !== true) return undefined;
  const subject = tls.getPeerCertificate().subject;
  return subject !== undefined && Object.keys(subject).length > 0 ? { ...subject } : undefined;
}

/** `class/method` of a method, for error texts. */
export function methodLabel(m: Method): string {
  return `${m.id >>> 16}/${m.id & 0xffff}`;
}

/**
 * The time side of a connection's socket: when the peer was last heard from and when we last
 * wrote, the heartbeats that fill our silences, the drop of a peer silent for two intervals, and
 * the linger of a closing socket (its input read and discarded until the peer closes or goes quiet,
 * so that a client still writing never gets a reset).
 */
import type { Socket } from "node:net";
import type { Logger } from "../ports.js";

/** Whatever the peer does, a closing socket is cut after this (RabbitMQ's CLOSING_TIMEOUT). */
const CLOSING_TIMEOUT = 30_000;

/**
 * How long a closing socket lingers once its peer is silent, ms. Until then its input is read and
 * discarded, so that a client still writing (amqplib writes connection.close ahead of publishes it
 * still holds) is never answered with a reset; it lets go at once when the peer closes.
 */
export const enum Linger {
  /** After our close-ok (the client's close), or after its close-ok (ours). */
  AfterClose = 500,
  /** While we wait for close-ok to our connection.close. */
  AwaitingCloseOk = 1000,
  /** After a framing error, a wrong protocol header or a refused login. */
  AfterError = 300,
}

/** What the liveness of a connection needs from it. */
export interface LivenessHost {
  readonly socket: Socket;
  readonly log: Logger;
  /** Not read (credit flow or the memory alarm), so its silence does not count. */
  readonly reading: { readonly stopped: boolean };
  readonly closed: boolean;
  /** Writes a heartbeat frame now (which sets lastWrite). */
  sendHeartbeat(): void;
}

export class Liveness {
  /** Date.now() of the last octets read; set per socket read. */
  lastRead = Date.now();
  /** Date.now() of the last write; heartbeats fill silences of half the interval. */
  lastWrite = 0;
  private heartbeat = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly tickBound = (): void => this.tick();

  constructor(private readonly host: LivenessHost) {}

  /**
   * From the end of the handshake, the client hears from us at least every half interval: a
   * heartbeat fills any half interval in which nothing else was written (RabbitMQ's sender does the
   * same). One timer per connection, re-armed for the moment the current silence reaches half the
   * interval, never per write. A client silent for two intervals is dropped.
   */
  startHeartbeats(heartbeat: number): void {
    if (heartbeat === 0) return;
    this.heartbeat = heartbeat;
    this.lastWrite = Date.now();
    this.heartbeatTimer = setTimeout(this.tickBound, heartbeat * 500);
    this.heartbeatTimer.unref();
  }

  stopHeartbeats(): void {
    clearTimeout(this.heartbeatTimer);
  }

  private tick(): void {
    const host = this.host;
    if (host.closed) return;
    const half = this.heartbeat * 500;
    const now = Date.now();
    // A connection that is not read cannot hear the client's heartbeats.
    if (host.reading.stopped) this.lastRead = now;
    if (now - this.lastRead > this.heartbeat * 2000) {
      host.log.warn({ heartbeat: this.heartbeat }, "missed heartbeats from client, closing");
      host.socket.destroy();
      return;
    }
    // Timers fire up to a few ms late or early: within 5% of the half interval counts as silent.
    if (now - this.lastWrite >= half - half / 20) host.sendHeartbeat();
    this.heartbeatTimer = setTimeout(this.tickBound, Math.max(half / 20, this.lastWrite + half - now));
    this.heartbeatTimer.unref();
  }

  /**
   * Reads and discards the peer's input until it closes the socket; once it has been silent for
   * `idle` ms (and our own octets are out), or after CLOSING_TIMEOUT, the socket is closed. With
   * `fin`, our half is ended at once.
   */
  linger(idle: Linger, fin: boolean): void {
    const s = this.host.socket;
    if (s.destroyed) return;
    s.resume();
    if (fin) s.end();
    clearTimeout(this.lingerTimer);
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
      this.lingerTimer = setTimeout(check, Math.max(10, idle - quiet));
      this.lingerTimer.unref();
    };
    this.lastRead = Math.max(this.lastRead, Date.now() - idle / 2);
    this.lingerTimer = setTimeout(check, idle);
    this.lingerTimer.unref();
    s.once("close", () => clearTimeout(this.lingerTimer));
  }
}

/**
 * max_handshaking_connections: how many accepted connections may be in their handshake at once
 * (TLS included). A socket over the limit is closed at once; one log line a second says how many
 * were.
 */
import type { Socket } from "node:net";
import type { BrokerCounters, Logger } from "../ports.js";

export class HandshakeLimit {
  /** Connections accepted that have not finished their handshake. */
  count = 0;
  private lastRefusalLog = 0;

  constructor(
    private readonly max: number,
    private readonly counters: BrokerCounters,
    private readonly logger: Logger,
  ) {}

  /** Takes a place: the function that gives it back (once), or null when all are taken. */
  enter(): (() => void) | null {
    if (this.count >= this.max) return null;
    this.count++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.count--;
    };
  }

  /** Closes a socket over the limit. */
  refuse(socket: Socket): void {
    socket.destroy();
    this.counters.handshakesRefused++;
    const now = Date.now();
    if (now - this.lastRefusalLog >= 1000) {
      this.lastRefusalLog = now;
      this.logger.warn({ limit: this.max, refused: this.counters.handshakesRefused }, "too many connections in the handshake: closing new ones");
    }
  }
}

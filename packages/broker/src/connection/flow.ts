/**
 * Whether a connection's socket is read, the connection's side of flow control. Two things stop it:
 *   - credit flow ("flow", RabbitMQ's word): a queue this connection published to is over its
 *     flow mark (queue/flow.ts); reading resumes once every such queue is back under half its mark;
 *   - an alarm ("blocked"): the connection published while the broker was over its memory high
 *     watermark, or its disk was under disk_free_limit; connection.blocked ("low on memory", "low
 *     on disk") is sent to clients that take it, and reading resumes when no alarm is left. As RabbitMQ, a connection that only consumes is never stopped.
 * A stopped socket is not read at all (TCP then holds the publisher back); what was read before
 * is still processed, so a stop takes effect within one socket read (at most 64 KiB).
 *
 * Two brief stops share the event loop fairly. A run of costly methods longer than the turn budget
 * rests until the next turn (Connection.yieldTurn). And libuv reads a readable socket up to 32 times
 * (2 MiB) per turn, so twenty busy publishers could fill one turn with 40 MiB of publishes while
 * every other connection, and the deliveries, waited. Past READ_PER_TURN bytes in one turn
 * the socket rests until the next turn (setImmediate), and the others get theirs in between.
 */
import type { Socket } from "node:net";
import { MethodId, type MethodArgs } from "@amqp-go/protocol";
import type { Logger } from "../ports.js";
import type { FlowPublisher, FlowSource } from "../queue/flow.js";

/** What reading needs from its connection. */
export interface FlowHost {
  readonly socket: Socket;
  readonly log: Logger;
  /** The client takes connection.blocked/unblocked (capability connection.blocked). */
  readonly blockedNotify: boolean;
  send(channel: number, method: MethodArgs): void;
}

/** The connection's state as RabbitMQ's management API names it. */
export type ReadingState = "running" | "flow" | "blocked";

/**
 * Exchange and queue methods (declare, bind, delete...: each a journal line, maybe files) are
 * handled for at most this long per event-loop turn; the rest of the read waits for the next turn
 * (yieldTurn), so a client pipelining thousands of them does not stall the other connections.
 */
const TURN_MS = 8;
/** Bytes a connection reads in one event-loop turn before it yields to the others. */
export const READ_PER_TURN = 128 * 1024;

export class Reading {
  /** Queues over their flow mark (or the disk behind on its syncs) that hold this connection back. */
  private readonly heldBy: FlowSource[] = [];
  /** Published under the memory alarm: not read until it clears. */
  private blocked = false;
  private paused = false;
  /** Bytes read in this turn; over READ_PER_TURN the socket rests until the next one. */
  private turnBytes = 0;
  private resting = false;
  private readonly endTurnBound = (): void => this.endTurn();
  /** When this turn's handling of input began (performance.now()), for TURN_MS. */
  private turnStart = 0;
  /** A long run of costly methods is spread over turns (Connection.yieldTurn): not read meanwhile. */
  private yielding = false;
  /** Date.now() when flow began, for the debug log. */
  private flowSince = 0;

  constructor(private readonly host: FlowHost) {}

  /** Not read now (flow or memory alarm); heartbeats from the client cannot be heard. */
  get stopped(): boolean {
    return this.paused;
  }

  get state(): ReadingState {
    return this.blocked ? "blocked" : this.heldBy.length > 0 ? "flow" : "running";
  }

  /** `bytes` were read from the socket. */
  read(bytes: number): void {
    this.turnStart = performance.now();
    if (this.turnBytes === 0) setImmediate(this.endTurnBound);
    this.turnBytes += bytes;
    if (this.turnBytes >= READ_PER_TURN && !this.resting) {
      this.resting = true;
      this.update();
    }
  }

  /** Input is handled again after a yield (Connection.yieldTurn). */
  newTurn(): void {
    this.turnStart = performance.now();
  }

  /** Costly methods have run TURN_MS in this turn: time to yield. */
  overBudget(): boolean {
    return performance.now() - this.turnStart > TURN_MS;
  }

  private endTurn(): void {
    this.turnBytes = 0;
    if (!this.resting) return;
    this.resting = false;
    this.update();
  }

  /** A publish went to `queue`, over its flow mark: reading stops until it is under it again. */
  heldBack(queue: FlowSource, publisher: FlowPublisher): void {
    if (!queue.holdBack(publisher)) return;
    this.heldBy.push(queue);
    if (this.heldBy.length === 1) {
      this.flowSince = Date.now();
      this.host.log.debug({ queue: queue.name, bytes: queue.bytes }, "connection in flow");
    }
    this.update();
  }

  /** `queue` let go (under its resume mark, or deleted). */
  released(queue: FlowSource): void {
    const i = this.heldBy.indexOf(queue);
    if (i < 0) return;
    this.heldBy.splice(i, 1);
    if (this.heldBy.length === 0) this.leftFlow();
    this.update();
  }

  /** A publish came in under an alarm: the connection stops being read. */
  publishedUnderAlarm(reason: "low on memory" | "low on disk", fields: object): void {
    if (this.blocked) return;
    this.blocked = true;
    if (this.host.blockedNotify) this.host.send(0, { id: MethodId.ConnectionBlocked, reason });
    this.host.log.info(fields, `connection blocked: ${reason}`);
    this.update();
  }

  /** No alarm is on any more. */
  alarmCleared(): void {
    if (!this.blocked) return;
    this.blocked = false;
    if (this.host.blockedNotify) this.host.send(0, { id: MethodId.ConnectionUnblocked });
    this.update();
  }

  /** The connection handles the rest of what it read at a later turn: no more is read till then. */
  yieldTurn(yielding: boolean): void {
    this.yielding = yielding;
    this.update();
  }

  /** The connection is gone: no queue holds it back any more. */
  release(publisher: FlowPublisher): void {
    for (const q of this.heldBy) q.forgetPublisher(publisher);
    if (this.heldBy.length > 0) this.leftFlow();
    this.heldBy.length = 0;
  }

  private leftFlow(): void {
    this.host.log.debug({ ms: Date.now() - this.flowSince }, "connection out of flow");
  }

  private update(): void {
    const stop = this.blocked || this.yielding || this.resting || this.heldBy.length > 0;
    if (stop === this.paused) return;
    this.paused = stop;
    if (stop) this.host.socket.pause();
    else if (!this.host.socket.destroyed) this.host.socket.resume();
  }
}

/**
 * Credit flow from the disk: while the write-ahead log holds more than `mark` octets appended and
 * not yet synced (fdatasync is slower than the publishers), a persistent publish holds its
 * connection back, as a queue over its flow mark does (queue/flow.ts); the connections go on once
 * syncs brought it to half the mark. So what waits for the disk stays bounded in memory however
 * slow the disk is, and a publisher with confirms simply goes at the disk's pace.
 */
import { type FlowPublisher, type FlowSource, QueueFlow } from "../queue/flow.js";

export class DiskFlow implements FlowSource {
  readonly name = "write-ahead log";
  private readonly flow: QueueFlow;

  constructor(
    /** Octets appended and not yet synced, now. */
    private readonly pending: () => number,
    readonly mark: number,
  ) {
    this.flow = new QueueFlow({ consumed: mark, idle: mark });
  }

  get bytes(): number {
    return this.pending();
  }

  /** A persistent publish now holds its connection back. */
  get over(): boolean {
    return this.pending() > this.mark;
  }

  holdBack(publisher: FlowPublisher): boolean {
    return this.flow.hold(publisher);
  }

  forgetPublisher(publisher: FlowPublisher): void {
    this.flow.forget(publisher);
  }

  /** After a sync (or a failure that dropped what was pending): waiters go once at half the mark. */
  settled(): void {
    this.flow.settled(this, this.pending(), 0);
  }

  /** Publishers held back now. */
  get waiters(): number {
    return this.flow.waiters;
  }
}

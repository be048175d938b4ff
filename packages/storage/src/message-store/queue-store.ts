/** The disk of one durable queue: its segment files, under an id that is never reused. */
import { mkdir, open, readFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { SegmentPosition } from "../segment/segment-position.js";
import type { SegmentStore } from "../segment/segment-store.js";

const LEASE_FILE = "lease";

export class QueueStore {
  closed = false;
  private lease: FileHandle | null = null;
  private readonly leaseBuf = Buffer.alloc(8);

  constructor(
    /** Names the directory `queues/<id>` and the queue in log records. */
    readonly id: number,
    /** `vhost/queue`, for logs. */
    readonly name: string,
    readonly dir: string,
    readonly segments: SegmentStore,
  ) {}

  get nextSeq(): number {
    return this.segments.nextSeq;
  }

  ack(position: SegmentPosition): void {
    if (!this.closed) this.segments.ack(position);
  }

  /**
   * The delivery lease: no message with a seq from `upTo` on is delivered before this resolves, so
   * after a crash the messages below the lease on disk are the ones that may have been delivered
   * (redelivered), and those above certainly were not. 8 octets written in place and synced (a
   * sector write is atomic).
   */
  async saveLease(upTo: number): Promise<void> {
    if (this.lease === null) {
      await mkdir(this.dir, { recursive: true }); // made by the first segment file, unless that is still on its way
      this.lease ??= await open(join(this.dir, LEASE_FILE), "w");
    }
    const b = this.leaseBuf;
    b.writeUInt32BE(Math.floor(upTo / 2 ** 32), 0);
    b.writeUInt32BE(upTo >>> 0, 4);
    await this.lease.write(b, 0, 8, 0);
    await this.lease.datasync();
  }

  /** The lease on disk: 0 when the queue never delivered. */
  async loadLease(): Promise<number> {
    try {
      const b = await readFile(join(this.dir, LEASE_FILE));
      return b.length < 8 ? 0 : b.readUInt32BE(0) * 2 ** 32 + b.readUInt32BE(4);
    } catch {
      return 0;
    }
  }

  async closeFiles(): Promise<void> {
    const lease = this.lease;
    this.lease = null;
    await this.segments.close();
    await lease?.close();
  }
}

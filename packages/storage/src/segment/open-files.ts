/**
 * The segment files open at once, bounded: with 10,000 queues holding messages, 10,000 open
 * descriptors would hit the process's limit. Every use of a segment's file (Segment.handle) marks
 * it most recently used; past `limit` the least recently used files are closed, those idle for
 * IDLE_MS only (a write and its fdatasync, a batch of reads, finish in that time), and reopened on
 * their next use. Over the limit with none idle enough, a timer tries again. A soft bound: the
 * files used within the last IDLE_MS stay open whatever their number.
 */
/** What the pool needs of a segment. */
export interface PooledFile {
  lastUsed: number;
  /** Closes the file (operations in flight finish first); the next use reopens it. */
  closeIdle(): void;
}

const IDLE_MS = 1000;

export class OpenFiles {
  /** Insertion order is recency: a use moves the file to the end. */
  private readonly open = new Set<PooledFile>();
  private timer: NodeJS.Timeout | null = null;

  constructor(public limit: number) {}

  get size(): number {
    return this.open.size;
  }

  used(f: PooledFile): void {
    f.lastUsed = performance.now();
    this.open.delete(f);
    this.open.add(f);
    if (this.open.size > this.limit) this.evict();
  }

  forget(f: PooledFile): void {
    this.open.delete(f);
  }

  private evict(): void {
    const idleBefore = performance.now() - IDLE_MS;
    for (const f of this.open) {
      if (this.open.size <= this.limit || f.lastUsed > idleBefore) break;
      this.open.delete(f);
      f.closeIdle();
    }
    if (this.open.size > this.limit && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.evict();
      }, IDLE_MS).unref();
    }
  }
}

/** Every segment file of the process; `segmentFiles.limit` may be changed at any time. */
export const segmentFiles = new OpenFiles(1024);

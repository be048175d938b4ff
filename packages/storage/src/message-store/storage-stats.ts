/**
 * What the message store counts, for metrics: plain numbers, and two histograms observed once
 * per write-ahead log batch (never per message). A scrape reads them; nothing is pushed.
 */

/** A histogram with fixed upper bounds: counts per bucket (not cumulative), sum and count. */
export class FixedHistogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class StorageStats {
  /** Records per write-ahead log batch (one fdatasync each). */
  readonly walBatchRecords = new FixedHistogram([1, 4, 16, 64, 256, 1024, 4096, 16384, 65536]);
  /** Seconds each write-ahead log fdatasync took. */
  readonly fsyncSeconds = new FixedHistogram([0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
  /** Octets written to the write-ahead log. */
  walBytes = 0;
  /** Deliveries of durable queues served from memory (the newest messages, or requeued ones) without a disk read. */
  memoryDeliveries = 0;
  /** Messages read back from segment files, and the reads that fetched them. */
  diskReadMessages = 0;
  diskReads = 0;
  /** Checkpoints done (segments synced, log files deleted). */
  checkpoints = 0;
  /** How long the last start's recovery took, seconds; 0 before it ends. */
  recoverySeconds = 0;
  recoveredMessages = 0;
}

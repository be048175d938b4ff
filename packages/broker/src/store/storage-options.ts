/** How messages are kept on disk, with the defaults. */

export interface StorageOptions {
  /** A log batch is written as soon as it holds this many octets. Default 1 MiB. */
  walBatchSize?: number;
  /**
   * Milliseconds a log batch waits for more records after its first. Default 0: the batch closes
   * on the next turn of the event loop, so the publishes of one turn share one fdatasync.
   */
  walBatchDelay?: number;
  /** The log rolls to a new file past this size. Default 64 MiB. */
  walFileSize?: number;
  /** A queue's segment file is closed past this size. Default 64 MiB. */
  segmentSize?: number;
  /**
   * Octets of the newest messages each durable queue keeps in memory; older ones are read back
   * from its segments when consumers get there. Default 16 MiB.
   */
  queueMemoryBytes?: number;
  /** @deprecated The old name of `queueMemoryBytes` (used when that is not given). */
  ringBufferBytes?: number;
  /** Milliseconds between checkpoints (segments synced, log files deleted). Default 1000. */
  checkpointInterval?: number;
  /** Milliseconds between ack flushes: after a crash, acks of the last interval may come back. Default 200. */
  ackFlushInterval?: number;
}

export type ResolvedStorageOptions = Required<Omit<StorageOptions, "ringBufferBytes">>;

const MiB = 1024 * 1024;

export function resolveStorageOptions(o: StorageOptions): ResolvedStorageOptions {
  const r: ResolvedStorageOptions = {
    walBatchSize: o.walBatchSize ?? MiB,
    walBatchDelay: o.walBatchDelay ?? 0,
    walFileSize: o.walFileSize ?? 64 * MiB,
    segmentSize: o.segmentSize ?? 64 * MiB,
    queueMemoryBytes: o.queueMemoryBytes ?? o.ringBufferBytes ?? 16 * MiB,
    checkpointInterval: o.checkpointInterval ?? 1000,
    ackFlushInterval: o.ackFlushInterval ?? 200,
  };
  for (const [k, v] of Object.entries(r)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`storage option ${k} must be a non-negative integer, not ${v}`);
  }
  if (r.checkpointInterval < 1) throw new RangeError("storage option checkpointInterval must be at least 1");
  return r;
}

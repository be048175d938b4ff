/** Durable messages end to end: one write-ahead log, segments per queue, acks, recovery. */
export { MessageStore } from "./message-store.js";
export { QueueStore } from "./queue-store.js";
export type {
  MessageStorePorts,
  PublishTarget,
  RecordCodec,
  RecoveredQueue,
  RecoveringQueue,
  StorageLogger,
  StoreRecovery,
  SyncWaiter,
} from "./message-store-types.js";
export { FaultLog, type FaultKind } from "./fault-log.js";
export { FixedHistogram, StorageStats } from "./storage-stats.js";
export { inParallel } from "./in-parallel.js";

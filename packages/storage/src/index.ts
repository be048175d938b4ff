/** @amqp-go/storage: durable message storage for the amqp-go broker. */
export { MetadataStore, type MetadataLoad, syncDir } from "./metadata-store.js";
export { MetadataLog } from "./metadata-log.js";
export { diskFree, storageFaults, type WriteTarget } from "./storage-faults.js";
export { RingBuffer, sizeOfSized, type Sized } from "./ring-buffer.js";
export { WriteAheadLog } from "./wal/write-ahead-log.js";
export type { WalOptions } from "./wal/options.js";
export type { WalStats } from "./wal/batch-writer.js";
export type { WalDamage, WalRecordHandler, WalRecoverySummary, WalSkip } from "./wal/recovery.js";
export type { WalIo } from "./wal/io.js";
export { WalError, type WalErrorCode } from "./wal/wal-error.js";
export { SegmentStore, type SegmentInfo, type SegmentStoreOptions } from "./segment/segment-store.js";
export type { SegmentPosition } from "./segment/segment-position.js";
export { segmentFiles } from "./segment/open-files.js";
export type { ReadBatch, StoredMessage } from "./segment/segment-reader.js";
export type { CompactionResult } from "./segment/compaction.js";
export type { SegmentRecoveryReport } from "./segment/segment-recovery.js";
export { AckTracker, type AckLoadResult, type AckTrackerOptions } from "./ack-tracker.js";
export { loadRoaring, RoaringMissingError } from "./segment/roaring.js";
export {
  bytesOfMemory,
  type NumberSetting,
  type OptionsOf,
  type ResolvedOptionsOf,
  resolveSettings,
  settingAccepts,
  settingExpects,
  type SettingTable,
} from "./settings.js";
export { resolveStorageOptions, type ResolvedStorageOptions, STORAGE_SETTINGS, type StorageOptions } from "./storage-settings.js";
export {
  FaultLog,
  type FaultKind,
  FixedHistogram,
  inParallel,
  MessageStore,
  type MessageStorePorts,
  type PublishTarget,
  QueueStore,
  type RecordCodec,
  type RecoveredQueue,
  type RecoveringQueue,
  type StorageLogger,
  StorageStats,
  type StoreRecovery,
  type SyncWaiter,
} from "./message-store/index.js";

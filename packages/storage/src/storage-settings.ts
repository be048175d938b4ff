/**
 * How durable messages are kept, as one table: the defaults of WriteAheadLog and SegmentStore
 * come from here, the broker's `storage` option is typed and checked by it, and apps/server's
 * `storage` section (flags, keys, variables, --help) is built from it. Add an option here, once.
 */
import { type OptionsOf, type ResolvedOptionsOf, resolveSettings, type SettingTable } from "./settings.js";

const KiB = 1024;
const MiB = 1024 * KiB;
/** setTimeout's largest delay, ms. */
const MAX_TIMER = 0x7fff_ffff;

export const STORAGE_SETTINGS = {
  walBatchSize: { default: MiB, min: 4096, max: 0x7fff_ffff, doc: "A write-ahead log batch is written and synced once it holds this many octets" },
  walBatchDelay: {
    default: 0,
    min: 0,
    max: 1000,
    doc: "ms a log batch waits for more records after its first; 0: until the next event-loop turn (the publishes of one turn share one fdatasync)",
  },
  walPendingBytes: {
    // 64 MiB: 64 batches of 1 MiB behind the disk; a healthy disk syncs one in ~3 ms and never gets there.
    default: 64 * MiB,
    min: MiB,
    max: Number.MAX_SAFE_INTEGER,
    doc: "Persistent publishers wait (flow) while the write-ahead log holds more than this many octets not yet synced: the disk's pace bounds memory",
  },
  walFileSize: { default: 64 * MiB, min: MiB, max: Number.MAX_SAFE_INTEGER, doc: "The write-ahead log rolls to a new file past this many octets" },
  // Segment positions are u32 offsets within a file.
  segmentSize: { default: 64 * MiB, min: 64 * KiB, max: 0xffff_ffff, doc: "A queue's segment file is closed past this many octets" },
  queueMemoryBytes: {
    default: 16 * MiB,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    doc: "Octets of the newest messages each durable queue keeps in memory; older ones are read from disk",
  },
  checkpointInterval: { default: 1000, min: 1, max: MAX_TIMER, doc: "ms between checkpoints (segments synced, write-ahead log files deleted)" },
  retryInterval: {
    default: 1000,
    min: 1,
    max: MAX_TIMER,
    doc: "ms between attempts at a storage write that failed (a full disk); persistent publishes are refused (nacked) meanwhile",
  },
  ackFlushInterval: { default: 200, min: 1, max: MAX_TIMER, doc: "ms between ack flushes; after a crash, acks of the last interval may come back (redelivered)" },
} as const satisfies SettingTable;

/** How messages of durable queues are kept on disk (the broker's `storage` option); see STORAGE_SETTINGS. */
export type StorageOptions = OptionsOf<typeof STORAGE_SETTINGS>;
export type ResolvedStorageOptions = ResolvedOptionsOf<typeof STORAGE_SETTINGS>;

/** The options with defaults filled in; a RangeError for a value out of its range. */
export function resolveStorageOptions(options: StorageOptions): ResolvedStorageOptions {
  return resolveSettings(STORAGE_SETTINGS, options, "storage");
}

/** Configuration of a WriteAheadLog, with its defaults and checks. */
import type { WalIo } from "./io.js";
import { nodeIo } from "./io.js";
import { MAX_SEQUENCE } from "./record.js";
import type { WalRecordHandler } from "./recovery.js";
import { WalError } from "./wal-error.js";
import { STORAGE_SETTINGS } from "../storage-settings.js";

export interface WalOptions {
  /** Directory of the log files; created if missing. Other files in it are left alone. */
  dir: string;
  /** A new file is started before a record that would take the current one past this. Default 64 MiB (STORAGE_SETTINGS.walFileSize). */
  fileSize?: number;
  /** A batch is written as soon as it holds this many octets. Default 1 MiB (STORAGE_SETTINGS.walBatchSize). */
  batchSize?: number;
  /**
   * Milliseconds a batch waits for more records after its first one. Default 0
   * (STORAGE_SETTINGS.walBatchDelay): the batch closes on the next turn of the event loop
   * (setImmediate), after the I/O callbacks of this one, so every record published by the socket
   * reads of one turn shares a sync.
   */
  batchDelay?: number;
  /** Largest payload accepted; recovery takes a larger length as corruption. Default 128 MiB. */
  maxRecordSize?: number;
  /** Sequence of the first record of an empty log (a reopened log goes on after its last). Default 1. */
  startSeq?: number;
  /** Recovery hands every valid record on disk to this, in order, before open() resolves. */
  onRecord?: WalRecordHandler;
  /**
   * Called once per batch, after its fdatasync, with the highest sequence now on disk: every record
   * up to it is durable. Values only increase. Publisher confirms are sent from here. It runs in an
   * fs callback: it must not throw.
   */
  onSynced?: (seq: number) => void;
  /** A write or sync failed: every record not on disk is refused, and appends are until resume(). Called once per failure. */
  onError?: (err: Error) => void;
  /** File calls of the writer. Default: node:fs. */
  io?: WalIo;
}

export interface ResolvedWalOptions {
  readonly dir: string;
  readonly fileSize: number;
  readonly batchSize: number;
  readonly batchDelay: number;
  readonly maxRecordSize: number;
  readonly startSeq: number;
  readonly onRecord: WalRecordHandler;
  readonly onSynced: ((seq: number) => void) | undefined;
  readonly onError: ((err: Error) => void) | undefined;
  readonly io: WalIo;
}

const MiB = 1024 * 1024;

export function resolveWalOptions(options: WalOptions): ResolvedWalOptions {
  const resolved: ResolvedWalOptions = {
    dir: options.dir,
    fileSize: options.fileSize ?? STORAGE_SETTINGS.walFileSize.default,
    batchSize: options.batchSize ?? STORAGE_SETTINGS.walBatchSize.default,
    batchDelay: options.batchDelay ?? STORAGE_SETTINGS.walBatchDelay.default,
    maxRecordSize: options.maxRecordSize ?? 128 * MiB,
    startSeq: options.startSeq ?? 1,
    onRecord: options.onRecord ?? noop,
    onSynced: options.onSynced,
    onError: options.onError,
    io: options.io ?? nodeIo,
  };
  // What the log needs to work at all, below the ranges a configured store accepts
  // (STORAGE_SETTINGS), so that tests can roll files and batches after a few records.
  check("fileSize", resolved.fileSize, 1, Number.MAX_SAFE_INTEGER);
  check("batchSize", resolved.batchSize, 1, 0x7fffffff);
  check("batchDelay", resolved.batchDelay, 0, 0x7fffffff);
  // The length field is a u32 and the record header is 16 octets.
  check("maxRecordSize", resolved.maxRecordSize, 0, 0xffffffff - 16);
  check("startSeq", resolved.startSeq, 0, MAX_SEQUENCE);
  return resolved;
}

function check(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new WalError("WAL_BAD_OPTION", `WAL option ${name} must be an integer from ${min} to ${max}, not ${value}`);
  }
}

function noop(): void {}

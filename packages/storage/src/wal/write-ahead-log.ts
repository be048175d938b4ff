/**
 * The write-ahead log: durable, ordered records with group commit.
 *
 *   append(payload) -> seq            synchronous: the record is encoded into the open batch
 *   open batch --(batchSize octets | batchDelay ms | flush | close)--> sealed
 *   sealed batches --one at a time--> BatchWriter: write + fdatasync on the thread pool
 *   batch on disk --> onSynced(highest seq on disk)          (publisher confirms go from here)
 *
 * One batch is in flight at a time, while the next one fills: the longer a sync takes, the more
 * records share the next one, which is what makes group commit scale with load. A batch whose timer
 * ran out while the writer was busy is written as soon as the writer is free.
 *
 * Files: records never span two files. Before a record that would take the current file past
 * fileSize the open batch is sealed and the next batch starts a new file, named after its first
 * sequence. A record larger than fileSize gets a file of its own. So every file is whole on its own:
 * recovery needs no stitching across files, and checkpoint deletes files by their names alone.
 */
import fs from "node:fs";
import { mkdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { Batch } from "./batch.js";
import { BatchWriter, type BatchWriterEvents, type WalStats } from "./batch-writer.js";
import type { WalFile } from "./file-name.js";
import { resolveWalOptions, type ResolvedWalOptions, type WalOptions } from "./options.js";
import { MAX_SEQUENCE, RECORD_HEADER_SIZE } from "./record.js";
import { recoverWal, type WalRecoverySummary } from "./recovery.js";
import { WalError } from "./wal-error.js";

/** Room over batchSize in a batch buffer, so a batch rarely grows for its last record. */
const BATCH_SLACK = 64 * 1024;
/** Spare batch buffers kept for reuse. */
const SPARE_BATCHES = 2;

interface FlushWaiter {
  readonly seq: number;
  readonly resolve: (seq: number) => void;
  readonly reject: (err: Error) => void;
}

export class WriteAheadLog implements BatchWriterEvents {
  /** Counters: records, batches, syncs, bytes, sync time. */
  readonly stats: WalStats = {
    records: 0, batches: 0, syncs: 0, dirSyncs: 0, bytes: 0, filesCreated: 0, syncMs: 0, lastSyncMs: 0,
  };
  private readonly writer: BatchWriter;
  private cur: Batch;
  private readonly sealed: Batch[] = [];
  private readonly spare: Batch[] = [];
  /** Octets given to the file the open batch goes to (written or not). */
  private fileBytes: number;
  private seq: number;
  private synced: number;
  private pending = 0;
  /** Payload octets of the record reserved and not committed yet; -1: none. */
  private reserved = -1;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  /** The open batch's delay ran out while the writer was busy. */
  private due = false;
  private readonly waiters: FlushWaiter[] = [];
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private readonly onTimer = (): void => {
    this.timer = null;
    if (this.cur.count === 0) return;
    this.due = true;
    this.kick();
  };

  /**
   * Opens the log in `options.dir`: recovers what is on disk (every valid record goes to
   * `options.onRecord`), truncates a torn tail, and is then ready for appends.
   */
  static async open(options: WalOptions): Promise<WriteAheadLog> {
    const o = resolveWalOptions(options);
    await mkdir(o.dir, { recursive: true });
    const recovery = await recoverWal(o.dir, o.onRecord, o.maxRecordSize);
    const { summary, appendTo } = recovery;
    // Never reuse a sequence, nor go below a file's name: names and sequences both only increase.
    let next = Math.max(o.startSeq, summary.highestSeq + 1, recovery.lastFileSeq);
    if (appendTo === null && recovery.files.length > 0) next = Math.max(next, recovery.lastFileSeq + 1);
    const dirFd = await openFd(o.dir, "r");
    let fd = -1;
    try {
      if (appendTo !== null) fd = await openFd(join(o.dir, appendTo.file.name), "r+");
    } catch (err) {
      fs.close(dirFd, () => {});
      throw err;
    }
    return new WriteAheadLog(o, recovery.files, summary, dirFd, fd, appendTo?.position ?? 0, next);
  }

  private constructor(
    private readonly options: ResolvedWalOptions,
    private readonly walFiles: WalFile[],
    /** What recovery found at open(). */
    readonly recovery: WalRecoverySummary,
    dirFd: number,
    fd: number,
    position: number,
    nextSeq: number,
  ) {
    this.seq = nextSeq;
    this.synced = nextSeq - 1;
    this.fileBytes = position;
    this.cur = new Batch(options.batchSize + BATCH_SLACK);
    this.cur.roll = fd < 0;
    this.writer = new BatchWriter(options.dir, options.io, dirFd, fd, position, this, this.stats);
  }

  /**
   * Queues a record and returns its sequence. The payload is copied: the caller may reuse it at once.
   * The record is durable when onSynced reports a sequence at least this one.
   */
  append(payload: Uint8Array): number {
    this.reserve(payload.length).set(payload);
    return this.commit();
  }

  /**
   * Room for a record of `length` payload octets in the open batch: the caller encodes the payload
   * there in place (no payload built elsewhere and copied in), then `commit()` queues the record,
   * or `cancel()` gives the room back. Nothing else may be appended in between. Throws as append().
   */
  reserve(length: number): Buffer {
    if (this.reserved >= 0) throw new Error("WriteAheadLog.reserve: a reserved record is not committed yet");
    if (this.closing !== null || this.failure !== null) throw this.refusal();
    if (length > this.options.maxRecordSize) {
      throw new WalError("WAL_RECORD_TOO_LARGE", `record of ${length} octets is above maxRecordSize ${this.options.maxRecordSize}`);
    }
    const seq = this.seq;
    if (seq > MAX_SEQUENCE) throw new WalError("WAL_SEQUENCE_EXHAUSTED", "WAL sequence would pass 2^53 - 1");
    const size = RECORD_HEADER_SIZE + length;
    if (this.fileBytes !== 0 && this.fileBytes + size > this.options.fileSize) {
      // Roll before this record: what goes to the current file is written now; the next batch
      // starts a file.
      if (this.cur.count > 0) {
        this.seal();
        this.kick();
      }
      this.cur.roll = true;
      this.fileBytes = 0;
    }
    this.reserved = length;
    return this.cur.reserve(length);
  }

  /** The reserved record, its payload in place, is queued: its sequence (durable once onSynced reports it). */
  commit(): number {
    const length = this.reserved;
    if (length < 0) throw new Error("WriteAheadLog.commit: nothing reserved");
    this.reserved = -1;
    const seq = this.seq;
    const size = RECORD_HEADER_SIZE + length;
    const batch = this.cur;
    batch.commit(seq, length);
    this.seq = seq + 1;
    this.fileBytes += size;
    this.pending += size;
    this.stats.records++;
    if (batch.used >= this.options.batchSize) {
      this.seal();
      this.kick();
    } else if (batch.count === 1) {
      this.armTimer();
    }
    return seq;
  }

  /** The reserved record is not wanted: nothing is queued. */
  cancel(): void {
    this.reserved = -1;
  }

  /** Writes the open batch now; resolves with the synced sequence once every record appended so far is on disk. */
  flush(): Promise<number> {
    if (this.failure !== null) return Promise.reject(this.refusal());
    const target = this.seq - 1;
    // Nothing open, sealed or in flight: every record is on disk, or was refused by a failure.
    if (this.synced >= target || (this.cur.count === 0 && this.sealed.length === 0 && !this.writer.busy)) return Promise.resolve(this.synced);
    const p = new Promise<number>((resolve, reject) => this.waiters.push({ seq: target, resolve, reject }));
    if (this.cur.count > 0) this.seal();
    this.kick();
    return p;
  }

  /**
   * The records up to `upToSeq` (inclusive) are kept elsewhere now: deletes the files that hold only
   * such records. The file being written is never deleted. Resolves with the number of files deleted.
   */
  async checkpoint(upToSeq: number): Promise<number> {
    const doomed: WalFile[] = [];
    // A file's records are all below the next file's first sequence (records never span files).
    while (this.walFiles.length > 1 && (this.walFiles[1] as WalFile).firstSeq - 1 <= upToSeq) {
      doomed.push(this.walFiles.shift() as WalFile);
    }
    // No directory fsync: a deleted file that comes back after a power loss only replays records
    // the segments already hold, which recovery's caller skips.
    for (const file of doomed) await unlink(join(this.options.dir, file.name));
    return doomed.length;
  }

  /** Writes and syncs what is pending, then closes the files. Appends are refused from the call on. */
  close(): Promise<void> {
    if (this.closing === null) {
      const flushed = this.failure === null ? this.flush() : Promise.reject(this.refusal());
      this.closing = flushed.then(
        () => this.closeFiles(null),
        (err: unknown) => this.closeFiles(err),
      );
    }
    return this.closing;
  }

  /** Sequence the next append gets. */
  get nextSeq(): number {
    return this.seq;
  }

  /** Highest sequence on disk (startSeq - 1 before the first sync of an empty log). */
  get syncedSeq(): number {
    return this.synced;
  }

  /** Octets appended and not yet on disk: a measure for the caller's flow control. */
  get pendingBytes(): number {
    return this.pending;
  }

  /** Names of the WAL files on disk, oldest first. */
  get files(): string[] {
    return this.walFiles.map((f) => f.name);
  }

  /** @internal BatchWriterEvents */
  onBatchSynced(batch: Batch): void {
    const seq = batch.lastSeq;
    this.synced = seq;
    this.pending -= batch.used;
    batch.reset();
    if (this.spare.length < SPARE_BATCHES) this.spare.push(batch);
    this.kick();
    while (this.waiters.length > 0 && (this.waiters[0] as FlushWaiter).seq <= seq) {
      (this.waiters.shift() as FlushWaiter).resolve(seq);
    }
    this.options.onSynced?.(seq);
  }

  /** @internal BatchWriterEvents */
  onFileCreated(file: WalFile): void {
    this.walFiles.push(file);
  }

  /**
   * After a write or sync failed (a full disk): takes appends again, from a new file. The records
   * refused at the failure are never written (their sequences are skipped) and what the failed
   * write left in the old file is cut. Rejects, and the log stays failed, when that cut fails.
   * Resuming on a disk that is still full is harmless: the next batch fails the same way.
   */
  resume(): Promise<void> {
    if (this.failure === null || this.closing !== null) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.writer.reset((err) => {
        if (err !== null) return reject(err);
        if (this.closing !== null) return resolve();
        this.failure = null;
        this.cur.roll = true;
        this.fileBytes = 0;
        resolve();
      });
    });
  }

  /** Whether a write failed and the log refuses appends until resume(). */
  get failed(): boolean {
    return this.failure !== null;
  }

  /** @internal BatchWriterEvents */
  onWriteFailed(err: Error): void {
    this.failure = err;
    this.clearTimer();
    // Nothing that was not on disk will be: the sealed batches and the open one are refused too.
    for (const b of this.sealed.splice(0)) {
      b.reset();
      if (this.spare.length < SPARE_BATCHES) this.spare.push(b);
    }
    this.cur.reset();
    this.pending = 0;
    const refusal = this.refusal();
    for (const w of this.waiters.splice(0)) w.reject(refusal);
    this.options.onError?.(err);
  }

  /** Moves the open batch to the sealed queue. */
  private seal(): void {
    this.sealed.push(this.cur);
    this.cur = this.spare.pop() ?? new Batch(this.options.batchSize + BATCH_SLACK);
    this.clearTimer();
  }

  /** Starts the next write if the writer is free: a sealed batch, or the open one if it is due. */
  private kick(): void {
    if (this.writer.busy || this.failure !== null) return;
    if (this.sealed.length === 0 && this.due && this.cur.count > 0) this.seal();
    const next = this.sealed.shift();
    if (next !== undefined) this.writer.write(next);
  }

  private armTimer(): void {
    this.timer = this.options.batchDelay === 0 ? setImmediate(this.onTimer) : setTimeout(this.onTimer, this.options.batchDelay);
  }

  private clearTimer(): void {
    this.due = false;
    if (this.timer === null) return;
    if (this.options.batchDelay === 0) clearImmediate(this.timer as NodeJS.Immediate);
    else clearTimeout(this.timer as NodeJS.Timeout);
    this.timer = null;
  }

  private refusal(): WalError {
    if (this.failure !== null) return new WalError("WAL_FAILED", `WAL failed: ${this.failure.message}`, { cause: this.failure });
    return new WalError("WAL_CLOSED", "WAL is closed");
  }

  private closeFiles(err: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      this.writer.close((closeErr) => {
        const e = err ?? closeErr;
        if (e === null || e === undefined) resolve();
        else reject(e);
      });
    });
  }
}

/** A raw fd for the writer's callback calls (a FileHandle would close it when garbage collected). */
const openFd = promisify(fs.open) as (path: string, flags: string) => Promise<number>;

/**
 * Puts one batch at a time on disk: (open the next file and fsync the directory, when the batch
 * starts a file), one write of the whole batch, one fdatasync. Every step is an `fs` callback on the
 * libuv thread pool, chained through handlers bound once, so a batch costs no Promise or closure.
 *
 * Why the directory fsync: fdatasync makes a file's data and size durable, not its name. Without it
 * a power loss right after a roll could lose the new file while its records had been confirmed.
 *
 * The writer knows nothing of timers or sequences; WriteAheadLog decides when a batch is sealed.
 */
import fs from "node:fs";
import { join } from "node:path";
import type { Batch } from "./batch.js";
import { walFileName, type WalFile } from "./file-name.js";
import type { WalIo } from "./io.js";

export interface BatchWriterEvents {
  /** The batch's records are on disk (written and fdatasync'ed). */
  onBatchSynced(batch: Batch): void;
  /** A new WAL file was created (and its directory entry made durable). */
  onFileCreated(file: WalFile): void;
  /** A call failed: the writer stops; nothing after this batch is written. */
  onWriteFailed(err: Error): void;
}

/** Counters, plain numbers incremented in place; read them when you want. */
export interface WalStats {
  /** Records appended. */
  records: number;
  /** Batches written (one write and one fdatasync each). */
  batches: number;
  /** fdatasync calls on WAL files. */
  syncs: number;
  /** fsync calls on the directory (one per file created). */
  dirSyncs: number;
  /** Octets written to WAL files. */
  bytes: number;
  /** WAL files created. */
  filesCreated: number;
  /** Milliseconds spent in write + fdatasync, summed over batches, and for the last batch. */
  syncMs: number;
  lastSyncMs: number;
}

export class BatchWriter {
  /** A batch is in flight. */
  busy = false;
  private batch: Batch | null = null;
  private written = 0;
  private started = 0;
  private pendingFile: WalFile | null = null;

  private readonly onOpened: (err: NodeJS.ErrnoException | null, fd: number) => void;
  private readonly onDirSynced: (err: NodeJS.ErrnoException | null) => void;
  private readonly onWritten: (err: NodeJS.ErrnoException | null, n: number) => void;
  private readonly onDataSynced: (err: NodeJS.ErrnoException | null) => void;

  constructor(
    private readonly dir: string,
    private readonly io: WalIo,
    private readonly dirFd: number,
    /** The open file appends go to, or -1 when the first batch starts a file. */
    private fd: number,
    /** Length of that file: where the next batch is written. */
    private position: number,
    private readonly events: BatchWriterEvents,
    private readonly stats: WalStats,
  ) {
    this.onOpened = (err, fd) => {
      if (err !== null) return this.fail(err);
      this.fd = fd;
      this.position = 0;
      this.stats.filesCreated++;
      this.io.fsync(this.dirFd, this.onDirSynced);
    };
    this.onDirSynced = (err) => {
      if (err !== null) return this.fail(err);
      this.stats.dirSyncs++;
      this.events.onFileCreated(this.pendingFile as WalFile);
      this.pendingFile = null;
      this.writeRest();
    };
    this.onWritten = (err, n) => {
      if (err !== null) return this.fail(err);
      if (n <= 0) return this.fail(new Error(`WAL write made no progress at ${this.position + this.written}`));
      this.written += n;
      const batch = this.batch as Batch;
      if (this.written < batch.used) return this.writeRest(); // a short write (rare): write the rest
      this.io.fdatasync(this.fd, this.onDataSynced);
    };
    this.onDataSynced = (err) => {
      if (err !== null) return this.fail(err);
      const batch = this.batch as Batch;
      const ms = performance.now() - this.started;
      this.stats.batches++;
      this.stats.syncs++;
      this.stats.bytes += batch.used;
      this.stats.syncMs += ms;
      this.stats.lastSyncMs = ms;
      this.position += batch.used;
      this.batch = null;
      this.busy = false;
      this.events.onBatchSynced(batch);
    };
  }

  /** Starts writing `batch`; only when not busy. */
  write(batch: Batch): void {
    this.busy = true;
    this.batch = batch;
    this.written = 0;
    this.started = performance.now();
    if (!batch.roll && this.fd >= 0) return this.writeRest();
    if (this.fd >= 0) this.io.close(this.fd, ignore); // fully synced already; nothing to wait for
    this.fd = -1;
    const name = walFileName(batch.firstSeq);
    this.pendingFile = { name, firstSeq: batch.firstSeq };
    // "wx": never reuse a name, a file there would be one recovery could not account for.
    this.io.open(join(this.dir, name), "wx", this.onOpened);
  }

  /**
   * After a failure: cuts what the failed batch may have left after the last synced octet of the
   * open file (ftruncate frees space, so it works on a full disk), then accepts batches again.
   * The next batch must start a new file (`roll`): the failed one's sequences are never written.
   */
  reset(callback: (err: NodeJS.ErrnoException | null) => void): void {
    const done = (err: NodeJS.ErrnoException | null): void => {
      if (err === null) {
        this.busy = false;
        this.batch = null;
        this.pendingFile = null;
      }
      callback(err);
    };
    if (this.fd < 0) return done(null);
    const fd = this.fd;
    fs.ftruncate(fd, this.position, (err) => (err !== null ? done(err) : fs.fdatasync(fd, done)));
  }

  /** Closes the open files; only when not busy. */
  close(callback: (err: NodeJS.ErrnoException | null) => void): void {
    const fd = this.fd;
    this.fd = -1;
    if (fd < 0) return this.io.close(this.dirFd, callback);
    this.io.close(fd, (err) => this.io.close(this.dirFd, (err2) => callback(err ?? err2)));
  }

  private writeRest(): void {
    const batch = this.batch as Batch;
    this.io.write(this.fd, batch.buf, this.written, batch.used - this.written, this.position + this.written, this.onWritten);
  }

  private fail(err: Error): void {
    this.batch = null;
    // busy stays true: nothing more is written after a failed write or sync (its pages may be
    // dropped by the kernel, so a later fdatasync could succeed without them).
    this.events.onWriteFailed(err);
  }
}

function ignore(): void {}

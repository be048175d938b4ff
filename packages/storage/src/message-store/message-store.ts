/**
 * Messages on disk: one write-ahead log for the whole broker, and segment files per durable queue.
 *
 *   publish --route--> durable queue A --append (no sync)--> queues/<A>/seg-*.dat ─┐
 *                  └─> durable queue B --append (no sync)--> queues/<B>/seg-*.dat ─┤ checkpoint:
 *            persistent: ONE log record (A:seq, B:seq, message) --> wal/ (group   │ fdatasync the
 *                        commit, fdatasync per batch) --> confirm to the publisher  │ segments, then
 *                                                                                   │ delete the log
 *   ack --> queues/<A>/seg-*.ack (roaring bitmaps, flushed every ackFlushInterval) ◄┘ files before
 *
 * `publish` does all of a message's way in one call (segments of each durable queue, then the log
 * record), so nothing of one publish is left on the store for the next.
 *
 * So a publisher confirm waits for one fdatasync shared by every queue and every publisher of the
 * batch, never for a segment. At start the log is replayed into the segments of the queues whose
 * segments end before a record's seq (their last writes never reached the file), the segments are
 * synced and the log is emptied; then each queue's unacknowledged persistent messages are ready
 * again, and the transient ones of the last run are acknowledged away (RabbitMQ's rule: transient
 * messages do not survive a restart, even in a durable queue).
 *
 * A message is the user's `M`, seen only through its RecordCodec (bytes in place, persistent or
 * not); failures and damage are told to its StorageLogger (message-store-types.ts).
 */
import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SegmentStore } from "../segment/segment-store.js";
import { resolveStorageOptions, type ResolvedStorageOptions, type StorageOptions } from "../storage-settings.js";
import { WriteAheadLog } from "../wal/write-ahead-log.js";
import { logSegmentDamage, logWalDamage } from "./damage-log.js";
import { FaultLog } from "./fault-log.js";
import { inParallel } from "./in-parallel.js";
import { logMessage, logRecordSize, logTargetCount, logTargetSeq, logTargetStore, writeLogTarget, writeLogTargetCount } from "./log-record.js";
import type { MessageStorePorts, PublishTarget, RecordCodec, RecoveredQueue, RecoveringQueue, StorageLogger, StoreRecovery, SyncWaiter } from "./message-store-types.js";
import { QueueStore } from "./queue-store.js";
import { assignStoreIds, recoverReady, STATE_FILE, takeState } from "./queue-recovery.js";
import { StorageStats } from "./storage-stats.js";

/** Queues recovered at a time. */
const RECOVERY_CONCURRENCY = 64;

export class MessageStore<M> {
  readonly options: ResolvedStorageOptions;
  private readonly byId = new Map<number, QueueStore>();
  private readonly waiters = new Set<SyncWaiter>();
  private wal!: WriteAheadLog;
  private nextStoreId = 1;
  /** Where a transient publish encodes its record; overwritten by the next one. */
  private scratch = Buffer.allocUnsafe(64 * 1024);
  private failed: Error | null = null;
  private checkpointing = false;
  private checkpointed = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private resumeTimer: NodeJS.Timeout | null = null;
  /** Queues whose segment or ack writes are failing now. */
  private readonly failingQueues = new Set<string>();
  /** One log line per kind of storage failure (fault-log.ts). */
  readonly faults: FaultLog;
  private readonly codec: RecordCodec<M>;
  private readonly logger: StorageLogger;
  /** Credit flow's hook: after a sync, or a failure that dropped what was pending. */
  private readonly settled: () => void;
  recovery: StoreRecovery | null = null;

  private lastSynced = 0;

  private constructor(
    readonly dataDir: string,
    options: StorageOptions,
    ports: MessageStorePorts<M>,
    readonly stats: StorageStats,
  ) {
    this.options = resolveStorageOptions(options);
    this.codec = ports.codec;
    this.logger = ports.logger;
    this.settled = ports.settled ?? noop;
    this.faults = new FaultLog(ports.logger);
  }

  /**
   * Opens the store of `dataDir` and recovers the messages of `queues` (durable queues from the
   * definitions; those without a store id get one). Directories of queues not listed are removed.
   */
  static async open<M>(
    dataDir: string,
    options: StorageOptions,
    ports: MessageStorePorts<M>,
    queues: readonly RecoveringQueue[],
    nextStoreId: number,
    stats: StorageStats = new StorageStats(),
  ): Promise<{ store: MessageStore<M>; queues: RecoveredQueue[] }> {
    const t0 = performance.now();
    const logger = ports.logger;
    const s = new MessageStore<M>(dataDir, options, ports, stats);
    const queuesDir = join(dataDir, "queues");
    s.nextStoreId = await assignStoreIds(queuesDir, queues, nextStoreId, logger);
    // 1. segments of every queue, as far as they reached the file
    const opened: { store: QueueStore; before: number; deliveredBelow: number | null; empty: boolean }[] = new Array(queues.length);
    await inParallel(queues, RECOVERY_CONCURRENCY, async (q, i) => {
      const dir = join(queuesDir, String(q.storeId));
      // a queue that never held a message has no directory: nothing to read, nothing was delivered
      const empty = !existsSync(dir);
      const segments = empty ? SegmentStore.empty(dir, s.segmentOptions(q.name)) : await SegmentStore.open(dir, s.segmentOptions(q.name));
      const store = new QueueStore(q.storeId, q.name, dir, segments);
      s.byId.set(store.id, store);
      opened[i] = { store, before: segments.nextSeq, deliveredBelow: empty ? 0 : await takeState(dir), empty };
      logSegmentDamage(logger, q.name, segments);
    });
    // 2. the log: records whose seq a queue's segments do not reach yet go back into them
    const before = new Map(opened.map((o) => [o.store.id, o.before]));
    let replayed = 0;
    const o = s.options;
    s.wal = await WriteAheadLog.open({
      dir: join(dataDir, "wal"),
      batchSize: o.walBatchSize,
      batchDelay: o.walBatchDelay,
      fileSize: o.walFileSize,
      onRecord: (_seq, payload) => {
        const n = logTargetCount(payload);
        for (let i = 0; i < n; i++) {
          const store = s.byId.get(logTargetStore(payload, i));
          const seq = logTargetSeq(payload, i);
          if (store === undefined || seq < before.get(store.id)! || seq < store.nextSeq) continue;
          store.segments.append(logMessage(payload), seq);
          replayed++;
        }
      },
      onSynced: (seq) => s.onSynced(seq),
      onError: (err) => s.onLogFailed(err),
    });
    const w = s.wal.recovery;
    logWalDamage(logger, join(dataDir, "wal"), w);
    // 3. segments synced, so the log can go
    await inParallel(opened, RECOVERY_CONCURRENCY, (q) => (q.empty && q.store.segments.nextSeq === 0 ? Promise.resolve() : q.store.segments.syncData()));
    await s.wal.checkpoint(s.wal.syncedSeq);
    s.checkpointed = s.lastSynced = s.wal.syncedSeq;
    // 4. what is ready in each queue
    const out: RecoveredQueue[] = new Array(opened.length);
    let messages = 0;
    let transientDropped = 0;
    let clean = true;
    await inParallel(opened, RECOVERY_CONCURRENCY, async (q, i) => {
      const r = await recoverReady(q.store, s.codec, q.empty, q.deliveredBelow);
      out[i] = r.queue;
      messages += r.queue.ready;
      transientDropped += r.transient;
      clean &&= q.deliveredBelow !== null;
    });
    s.recovery = { queues: queues.length, messages, transientDropped, replayed, clean, durationMs: performance.now() - t0 };
    stats.recoverySeconds = s.recovery.durationMs / 1000;
    stats.recoveredMessages = messages;
    s.timer = setInterval(() => void s.checkpoint(), o.checkpointInterval).unref();
    return { store: s, queues: out };
  }

  /** A store for a queue declared now: a new, empty directory under a new id. */
  createQueueStore(name: string): QueueStore {
    const id = this.nextStoreId++;
    const dir = join(this.dataDir, "queues", String(id));
    const segments = SegmentStore.createNew(dir, this.segmentOptions(name));
    const store = new QueueStore(id, name, dir, segments);
    this.byId.set(id, store);
    return store;
  }

  /** The id the next queue store gets (saved with the definitions: ids are never reused). */
  get nextId(): number {
    return this.nextStoreId;
  }

  /** A queue is deleted: its files go. Log records that name it are ignored from now on. */
  dropQueueStore(store: QueueStore): void {
    store.closed = true;
    this.byId.delete(store.id);
    store
      .closeFiles()
      .catch(() => undefined)
      .then(() => rm(store.dir, { recursive: true, force: true }))
      .catch((err: Error) => this.logger.error({ err, queue: store.name }, "removing a deleted queue's files failed"));
  }

  /**
   * A routed message goes to its queues: into the segments of each durable one, then, when it is
   * persistent and reached a durable queue, one write-ahead log record naming them all. Each
   * target gets its message (and where it is on disk) through `enqueue`. Returns the log record's
   * seq (the confirm waits for logSynced of it), 0 when nothing was logged, or -1 when the log has
   * failed (the publish is nacked). Nothing is kept between calls: a segment append that throws
   * leaves nothing behind for the next publish. The body is copied twice on its way to disk: a
   * persistent record is encoded in place in the log's open batch (a transient one in a scratch
   * buffer), and copied from there into each durable queue's segment writer.
   */
  publish(message: M, targets: ArrayLike<PublishTarget<M>>, n: number): number {
    let durable = 0;
    for (let i = 0; i < n; i++) if (targets[i]!.store !== null) durable++;
    if (durable === 0) {
      for (let i = 0; i < n; i++) targets[i]!.enqueue(message, null);
      return 0;
    }
    const codec = this.codec;
    const persistent = codec.persistent(message);
    const head = persistent ? logRecordSize(durable, 0) : 0;
    const size = head + codec.size(message);
    // null: not logged (transient), or the log refused it: it still goes to its queues, and is nacked
    const logged = persistent ? this.reserveLog(message, size) : null;
    if (logged === null && size > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(size, 2 * this.scratch.length));
    const buf = logged ?? this.scratch;
    let k = 0;
    try {
      const record = buf.subarray(head, codec.write(buf, head, message, persistent));
      for (let i = 0; i < n; i++) {
        const target = targets[i]!;
        const store = target.store;
        if (store === null) {
          target.enqueue(message, null);
          continue;
        }
        const position = store.segments.append(record);
        if (persistent) writeLogTarget(buf, k, store.id, position.seq);
        k++;
        target.enqueue(message, position);
      }
    } catch (err) {
      if (logged !== null) this.wal.cancel();
      throw err;
    }
    if (!persistent) return 0;
    if (logged === null) return -1;
    writeLogTargetCount(buf, k);
    return this.wal.commit();
  }

  /** Room for a persistent message's log record in the log's open batch; null when the log refuses it (logged). */
  private reserveLog(message: M, size: number): Buffer | null {
    if (this.failed !== null) return null;
    try {
      return this.wal.reserve(size);
    } catch (err) {
      // WAL_FAILED: the log failed since the last publish (logged once); anything else is this message's.
      if ((err as { code?: string }).code === "WAL_FAILED") this.faults.failed("wal", err as Error, "the write-ahead log refused a message");
      else this.logger.error({ err, ...this.codec.describe(message) }, "write-ahead log refused a message");
      return null;
    }
  }

  /** Calls `waiter.logSynced` after each log sync until it says it waits no more. */
  waitForSync(waiter: SyncWaiter): void {
    if (this.failed !== null) waiter.logFailed();
    else this.waiters.add(waiter);
  }

  forget(waiter: SyncWaiter): void {
    this.waiters.delete(waiter);
  }

  /** Octets appended to the log and not yet synced, now (credit flow from the disk holds publishers back on it). */
  get pendingBytes(): number {
    return this.wal.pendingBytes;
  }

  get syncedSeq(): number {
    return this.wal.syncedSeq;
  }

  /** Segment files of every durable queue (for metrics: read when scraped). */
  get segmentFiles(): number {
    let n = 0;
    for (const store of this.byId.values()) n += store.segments.segments().length;
    return n;
  }

  /** Why the log or a queue's segments fail now (a full disk), until they are resumed; null when they work. */
  get failure(): Error | null {
    return this.failed ?? (this.failingQueues.size > 0 ? this.segmentError : null);
  }

  private segmentError: Error | null = null;

  /** Whether persistent publishes are refused now: the log failed and is not resumed yet. */
  get refusing(): boolean {
    return this.failed !== null;
  }

  /** Write-ahead log files on disk. */
  get walFiles(): number {
    return this.wal.files.length;
  }

  /**
   * Makes the segments hold everything the log holds up to now, then deletes the log files
   * before that point. Runs every checkpointInterval.
   */
  async checkpoint(): Promise<void> {
    if (this.checkpointing || this.closed || this.failed !== null) return;
    const upTo = this.wal.syncedSeq;
    if (upTo <= this.checkpointed) return;
    this.checkpointing = true;
    try {
      for (const store of [...this.byId.values()]) {
        if (!store.closed) await store.segments.syncData();
      }
      await this.wal.checkpoint(upTo);
      this.checkpointed = upTo;
      this.stats.checkpoints++;
      this.faults.cleared("checkpoint");
    } catch (err) {
      this.faults.failed("checkpoint", err as Error, "checkpoint failed; the write-ahead log keeps its files");
    } finally {
      this.checkpointing = false;
    }
  }

  /**
   * A clean stop: each queue's first never-delivered message is noted (so the next start flags
   * exactly the delivered ones redelivered), acks and segments are flushed, the log is closed.
   */
  async close(firstUndelivered: (store: QueueStore) => number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    if (this.resumeTimer !== null) clearTimeout(this.resumeTimer);
    await inParallel([...this.byId.values()], RECOVERY_CONCURRENCY, async (store) => {
      try {
        await store.closeFiles();
        if (!existsSync(store.dir)) return; // never held a message: nothing to say of it
        await writeFile(join(store.dir, STATE_FILE), JSON.stringify({ deliveredBelow: firstUndelivered(store) }));
      } catch (err) {
        this.logger.error({ err, queue: store.name }, "closing a queue's files failed");
      }
    });
    await this.wal.close().catch((err: Error) => this.logger.error({ err }, "closing the write-ahead log failed"));
    for (const w of this.waiters) w.logFailed();
    this.waiters.clear();
  }

  private onSynced(seq: number): void {
    const stats = this.stats;
    stats.walBatchRecords.observe(seq - this.lastSynced);
    stats.fsyncSeconds.observe(this.wal.stats.lastSyncMs / 1000);
    stats.walBytes = this.wal.stats.bytes;
    this.lastSynced = seq;
    this.faults.cleared("wal");
    this.settled();
    for (const w of this.waiters) if (!w.logSynced(seq)) this.waiters.delete(w);
  }

  /**
   * A log write failed (a full disk): what waited for it is nacked, and so is every persistent
   * publish until the log is resumed, tried every retryInterval (a resume on a disk still full
   * fails again at the next batch, silently).
   */
  private onLogFailed(err: Error): void {
    this.failed = err;
    this.faults.failed("wal", err, "write-ahead log write failed: persistent publishes are nacked until it works again");
    for (const w of this.waiters) w.logFailed();
    this.waiters.clear();
    this.settled(); // what was pending is dropped: nothing to wait for
    this.scheduleResume();
  }

  private scheduleResume(): void {
    if (this.closed || this.resumeTimer !== null) return;
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = null;
      if (this.closed) return;
      this.wal.resume().then(
        () => {
          if (!this.wal.failed) this.failed = null;
        },
        (err: Error) => {
          this.faults.failed("wal", err, "resuming the write-ahead log failed");
          this.scheduleResume();
        },
      );
    }, this.options.retryInterval);
    this.resumeTimer.unref();
  }

  private segmentOptions(name: string) {
    const o = this.options;
    return {
      segmentSize: o.segmentSize,
      syncAppends: false,
      ackFlushIntervalMs: o.ackFlushInterval,
      retryIntervalMs: o.retryInterval,
      onError: (err: Error) => {
        this.failingQueues.add(name);
        this.segmentError = err;
        this.faults.failed("segments", err, "writing a queue's messages or acks failed; kept in memory", { queue: name });
      },
      onResume: () => {
        this.failingQueues.delete(name);
        if (this.failingQueues.size === 0) this.faults.cleared("segments", { queue: name });
      },
    };
  }
}

function noop(): void {}

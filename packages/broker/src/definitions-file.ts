/**
 * The durable definitions of a data directory (exchanges, queues, bindings, policies, shaped as
 * definitions.ts says), restored at start and kept as storage's MetadataLog keeps them:
 * `<dataDir>/metadata/definitions.json` (a snapshot) and `definitions.<n>.log` (the changes since,
 * one line each: definitions-journal.ts).
 *
 * A change is appended to the journal at once (a full disk refuses it there) and made durable by
 * sync(), which the broker calls before any reply goes out (Connection.flush): one fdatasync for
 * every change of an event-loop turn, and a declare-ok still goes out only once the declaration is
 * on disk. Without a change (policies, vhosts), or when the journal outgrew the snapshot, a snapshot
 * of everything. Never throws: a failure is logged once per episode, returned (the declaration is
 * refused) and a snapshot tried again every retryInterval until it goes through.
 */
import { join } from "node:path";
import { FaultLog, MetadataLog } from "@amqp-go/storage";
import { type Definitions, definitionsOf, restoreDefinitions } from "./definitions.js";
import { changeRecord, type DefinitionsRecord, replayDefinitions } from "./definitions-journal.js";
import type { DurableChange } from "./durable-change.js";
import type { Logger } from "./ports.js";
import type { Vhost } from "./vhost.js";

/**
 * While running, the journal is compacted (a snapshot, synchronous: a few hundred ms for 100,000
 * bindings, an 8 MB snapshot) once it holds this much and four times the snapshot; after a start
 * that read a quarter of that (the replay of 16 MiB takes about a second), once the broker is ready.
 */
const JOURNAL_BYTES = 64 * 1024 * 1024;

export class DefinitionsFile {
  private readonly file: MetadataLog<Definitions, DefinitionsRecord>;
  /** Failures of the files, one log line per episode. */
  private readonly faults: FaultLog;
  private retry: NodeJS.Timeout | null = null;
  /** next_store_id as read from the files (the message store hands out ids from there). */
  readonly savedNextStoreId: number;
  private readonly defs: Definitions | undefined;
  /** The next change takes a snapshot of everything (none yet, damaged files, a failed append, a long journal). */
  private snapshotDue: boolean;
  /** Queues of files from before store ids: saved once recovery gave them theirs. */
  private storeIdsMissing: boolean;
  /** The journal read at start was long: a snapshot once the broker is ready. */
  private compactAfterStart: boolean;
  private syncScheduled = false;
  private readonly syncBound = () => this.sync();
  private closed = false;

  /** Reads the files; throws, naming them, when no good copy is left. */
  constructor(
    dataDir: string,
    private readonly vhosts: ReadonlyMap<string, Vhost>,
    /** The next store id to save: the message store's once it is open. */
    private readonly nextStoreId: () => number | undefined,
    /** Why the message store's writes fail now (a full disk): new durable objects are refused meanwhile. */
    private readonly storeFailure: () => Error | null,
    private readonly logger: Logger,
    private readonly retryInterval: number,
  ) {
    this.faults = new FaultLog(logger);
    this.file = new MetadataLog<Definitions, DefinitionsRecord>(join(dataDir, "metadata"), "definitions");
    const { doc, records } = this.file.load();
    this.defs = doc === undefined && records.length === 0 ? undefined : replayDefinitions(doc, records);
    const loaded = this.file.loaded;
    if (loaded.damaged.length > 0 || loaded.fallback) {
      logger.warn({ damaged: loaded.damaged, usedFile: loaded.file }, `durable definitions damaged or missing; using ${loaded.file}`);
    }
    this.savedNextStoreId = this.defs?.next_store_id ?? 0;
    // after a crash the journal goes on where it ended: no snapshot of everything at start
    this.snapshotDue = doc === undefined || loaded.damaged.length > 0 || loaded.fallback;
    // a long journal is compacted once the broker is ready (recovered()), not before: readiness
    // does not wait for the snapshot (0.5-0.7 s at 100,000 bindings)
    this.compactAfterStart = this.file.journalBytesAtLoad > JOURNAL_BYTES / 4;
    this.storeIdsMissing = this.defs?.queues.some((q) => q.store_id === undefined) ?? false;
  }

  /** Declares what the files hold, through `addVhost` for each vhost they name. */
  restore(addVhost: (name: string) => Vhost): void {
    const defs = this.defs;
    if (defs === undefined) return;
    restoreDefinitions(defs, addVhost);
    this.logger.info({ exchanges: defs.exchanges.length, queues: defs.queues.length, bindings: defs.bindings.length }, "durable definitions restored");
  }

  /** A snapshot if one is due (a first start, damaged files). */
  saveIfDue(): void {
    if (this.snapshotDue) this.save();
  }

  /** Recovery gave every queue its store id: saved when some had none in the files. */
  recovered(): void {
    if (this.compactAfterStart) {
      this.compactAfterStart = false;
      if (!this.storeIdsMissing) setImmediate(() => this.save());
    }
    if (!this.storeIdsMissing) return;
    this.storeIdsMissing = false;
    this.save();
  }

  /** Journals `change` (saves everything without one); the error when that failed (a retry is scheduled). */
  readonly save = (change?: DurableChange): Error | null => {
    if (this.closed) return null;
    const m = this.file;
    try {
      // a full disk refuses new durable objects, whose line might still fit in the journal
      const failure = change !== undefined && (change.op === "queue" || change.op === "exchange" || change.op === "bind") ? this.storeFailure() : null;
      if (failure !== null) throw failure;
      if (change !== undefined && !this.snapshotDue) {
        m.append(changeRecord(change));
        if (m.journalBytes > Math.max(JOURNAL_BYTES, 4 * m.snapshotBytes)) this.snapshotDue = true;
        if (!this.syncScheduled) {
          this.syncScheduled = true;
          setImmediate(this.syncBound);
        }
      } else {
        m.snapshot(definitionsOf(this.vhosts.values(), this.nextStoreId() ?? this.savedNextStoreId));
        this.snapshotDue = false;
      }
    } catch (err) {
      this.snapshotDue = true; // what a failed append held goes into the snapshot of the retry
      this.faults.failed("definitions", err as Error, "saving the durable definitions failed");
      this.retry ??= setTimeout(() => {
        this.retry = null;
        this.save();
      }, this.retryInterval).unref();
      return err as Error;
    }
    this.faults.cleared("definitions");
    return null;
  };

  /** Makes the journaled changes durable: called before any reply that may depend on them goes out. */
  sync(): void {
    this.syncScheduled = false;
    if (this.closed || !this.file.unsynced) return;
    try {
      this.file.sync();
      if (this.snapshotDue) this.save();
    } catch {
      // what the journal holds unsynced goes into a snapshot, now or at the retry
      this.snapshotDue = true;
      this.save();
    }
  }

  /** No retry any more (the broker closes). */
  stop(): void {
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
  }

  /** A clean stop leaves one snapshot and an empty journal: the next start has nothing to replay. */
  close(): void {
    if (this.closed) return;
    this.sync();
    this.save();
    this.stop();
    this.closed = true;
    this.file.close();
  }
}

/**
 * The durable definitions of a data directory (`<dataDir>/metadata/definitions.json`: exchanges,
 * queues, bindings, policies, shaped as definitions.ts says): restored at start, saved on every
 * durable change. A save is synchronous (write, fsync, rename), so a declare-ok goes out only once
 * the declaration is on disk. It never throws: a failure (a full disk) is logged once per episode,
 * returned (the declaration is refused) and the save tried again every retryInterval until it goes
 * through.
 */
import { join } from "node:path";
import { MetadataStore } from "@amqp-go/storage";
import { type Definitions, definitionsOf, restoreDefinitions } from "./definitions.js";
import type { Logger } from "./ports.js";
import { FaultLog } from "./store/fault-log.js";
import type { Vhost } from "./vhost.js";

export class DefinitionsFile {
  private readonly file: MetadataStore<Definitions>;
  /** Failures of the file, one log line per episode. */
  private readonly faults: FaultLog;
  private retry: NodeJS.Timeout | null = null;
  /** next_store_id as read from the file (the message store hands out ids from there). */
  readonly savedNextStoreId: number;
  private readonly defs: Definitions | undefined;

  /** Reads the file; throws, naming the files, when no good copy is left. */
  constructor(
    dataDir: string,
    private readonly vhosts: ReadonlyMap<string, Vhost>,
    /** The next store id to save: the message store's once it is open. */
    private readonly nextStoreId: () => number | undefined,
    private readonly logger: Logger,
    private readonly retryInterval: number,
  ) {
    this.faults = new FaultLog(logger);
    this.file = new MetadataStore<Definitions>(join(dataDir, "metadata"), "definitions.json");
    this.defs = this.file.load();
    const loaded = this.file.loaded;
    if (loaded.damaged.length > 0 || loaded.fallback) {
      logger.warn({ damaged: loaded.damaged, usedFile: loaded.file }, `durable definitions damaged or missing; using ${loaded.file}`);
    }
    this.savedNextStoreId = this.defs?.next_store_id ?? 0;
  }

  /** Declares what the file holds, through `addVhost` for each vhost it names. */
  restore(addVhost: (name: string) => Vhost): void {
    const defs = this.defs;
    if (defs === undefined) return;
    restoreDefinitions(defs, addVhost);
    this.logger.info({ exchanges: defs.exchanges.length, queues: defs.queues.length, bindings: defs.bindings.length }, "durable definitions restored");
  }

  /** Saves every vhost's durable definitions now; the error when that failed (a retry is scheduled). */
  readonly save = (): Error | null => {
    try {
      this.file.saveSync(definitionsOf(this.vhosts.values(), this.nextStoreId() ?? this.savedNextStoreId));
    } catch (err) {
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

  /** No retry any more (the broker closes). */
  stop(): void {
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
  }
}

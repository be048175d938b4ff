/**
 * The messages of durable queues, from the broker's side: recovery at start (each durable queue
 * restored from the definitions gets its files and a backlog over them), files for a durable queue
 * declared while running, paging out under the memory alarm, and the clean stop (which deliveries
 * count as made). The message store itself is store/message-store.ts.
 */
import { loadRoaring } from "@amqp-go/storage";
import type { BrokerOptions, ResolvedBrokerOptions } from "./broker-options.js";
import type { MemoryMonitor } from "./memory.js";
import type { StoredBacklog } from "./queue/backlog.js";
import { DiskBacklog } from "./queue/disk-backlog.js";
import { PriorityBacklog } from "./queue/priority-backlog.js";
import type { Queue } from "./queue/queue.js";
import { MessageStore, type RecoveringQueue } from "./store/message-store.js";
import { inParallel, type StorageStats } from "@amqp-go/storage";
import type { QueueStorage, Vhost } from "./vhost.js";

export class DurableQueues implements QueueStorage {
  /** Null until recovery ends. */
  store: MessageStore | null = null;

  constructor(
    private readonly vhosts: ReadonlyMap<string, Vhost>,
    private readonly options: ResolvedBrokerOptions,
    private readonly memory: MemoryMonitor,
    private readonly stats: StorageStats,
  ) {}

  /** Recovers the messages of the durable queues restored from the definitions; then each vhost stores new ones here. */
  async open(dataDir: string, options: BrokerOptions, savedNextStoreId: number): Promise<void> {
    const log = this.options.logger;
    preloadRoaring();
    const recovering: (RecoveringQueue & { queue: Queue })[] = [];
    for (const v of this.vhosts.values()) {
      for (const q of v.queues.values()) {
        if (q.options.durable && !q.options.exclusive) recovering.push({ name: `${v.name}/${q.name}`, storeId: q.storeId, queue: q });
      }
    }
    const { store, queues } = await MessageStore.open(dataDir, options.storage ?? {}, log, recovering, savedNextStoreId, this.stats);
    this.store = store;
    // 64 queues at a time: the file system's latency overlaps
    await inParallel(recovering, 64, async (rq, i) => {
      const q = rq.queue;
      const r = queues[i]!;
      if (q.maxPriority > 0) {
        const backlog = new PriorityBacklog(q, q.maxPriority, r.store);
        q.attachStore(r.store, backlog, r.readyBody);
        // no delivery lease: after a crash every recovered message may have been delivered
        await backlog.recover(store.recovery!.clean ? r.redeliveredBelow : r.store.nextSeq);
        return;
      }
      const backlog = new DiskBacklog(q, r.store, store.options.queueMemoryBytes, log, this.stats);
      backlog.recovered(r.ready, r.redeliveredBelow, r.lease);
      q.attachStore(r.store, backlog, r.readyBody);
      await backlog.preload();
    });
    for (const v of this.vhosts.values()) v.storage = this;
    // expiry and length limits over what was recovered (the timer for the head's deadline)
    for (const r of recovering) r.queue.drain();
    const rec = store.recovery!;
    log.info({ ...rec, durationMs: Math.round(rec.durationMs) }, "messages recovered");
  }

  /** @internal QueueStorage: a durable queue declared while running gets its files. */
  attach(queue: Queue): void {
    const store = this.store;
    if (store === null) return;
    const qs = store.createQueueStore(`${queue.vhost}/${queue.name}`);
    queue.attachStore(
      qs,
      queue.maxPriority > 0
        ? new PriorityBacklog(queue, queue.maxPriority, qs)
        : new DiskBacklog(queue, qs, store.options.queueMemoryBytes, this.options.logger, this.stats),
    );
  }

  /** @internal QueueStorage */
  detach(queue: Queue): void {
    const qs = queue.store;
    if (qs === null || this.store === null) return;
    queue.diskBacklog?.close();
    this.store.dropQueueStore(qs);
  }

  /** Under the memory alarm: the messages of durable queues that are on disk leave memory. */
  readonly pageOut = (): void => {
    let pagedOut = 0;
    const before = this.memory.bytes;
    for (const q of this.queues()) {
      q.diskBacklog?.pageOut();
      pagedOut++;
    }
    this.options.logger.info({ queues: pagedOut, freed: before - this.memory.bytes }, "memory alarm: durable queues paged out to disk");
  };

  /** A clean stop, once no connection is left: reads in flight dropped, the store closed with what was delivered. */
  async close(): Promise<void> {
    const backlogs = new Map<number, StoredBacklog>();
    for (const q of this.queues()) {
      const b = q.diskBacklog;
      if (b === null) continue;
      b.close(); // reads in flight are dropped
      backlogs.set(q.store!.id, b);
    }
    await this.store?.close((qs) => backlogs.get(qs.id)?.firstUndelivered() ?? qs.nextSeq);
  }

  private *queues(): Generator<Queue> {
    for (const v of this.vhosts.values()) for (const q of v.queues.values()) if (q.store !== null) yield q;
  }
}

/**
 * Loads the bitmap addon now, at start, rather than at the first durable queue's declare, where
 * loading it (60-80 ms of module loading) stalled every connection. Absent, the first durable queue
 * says so (RoaringMissingError), as without this.
 */
function preloadRoaring(): void {
  try {
    loadRoaring();
  } catch {
    // reported where a durable queue needs it
  }
}

/**
 * The broker's message store: @amqp-go/storage's MessageStore over the broker's messages (their
 * records are message-record.ts), with credit flow from the disk (disk-flow.ts) fed by its syncs.
 * Storage keeps the files, the log, recovery; the broker keeps what a message means.
 */
import { MessageStore as StoredMessages, type RecoveredQueue, type RecoveringQueue, StorageStats, type StorageOptions } from "@amqp-go/storage";
import type { Message } from "../message.js";
import type { Logger } from "../ports.js";
import { DiskFlow } from "./disk-flow.js";
import { MESSAGE_CODEC } from "./message-record.js";

export type { QueueStore, RecoveredQueue, RecoveringQueue, StoreRecovery, SyncWaiter } from "@amqp-go/storage";
/** Where a publish goes: a queue, with its store when it keeps its messages on disk. */
export type PublishTarget = import("@amqp-go/storage").PublishTarget<Message>;

export type MessageStore = StoredMessages<Message> & {
  /** Publishers wait while the log is this far behind on its syncs (disk-flow.ts). */
  readonly flow: DiskFlow;
};

export const MessageStore = {
  /**
   * Opens the store of `dataDir` and recovers the messages of `queues` (durable queues from the
   * definitions; those without a store id get one). Directories of queues not listed are removed.
   */
  async open(
    dataDir: string,
    options: StorageOptions,
    logger: Logger,
    queues: readonly RecoveringQueue[],
    nextStoreId: number,
    stats: StorageStats = new StorageStats(),
  ): Promise<{ store: MessageStore; queues: RecoveredQueue[] }> {
    let flow: DiskFlow | null = null;
    const settled = () => flow?.settled();
    const r = await StoredMessages.open<Message>(dataDir, options, { codec: MESSAGE_CODEC, logger, settled }, queues, nextStoreId, stats);
    flow = new DiskFlow(() => r.store.pendingBytes, r.store.options.walPendingBytes);
    return { store: Object.assign(r.store, { flow }), queues: r.queues };
  },
};

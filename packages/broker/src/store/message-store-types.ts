/** The types MessageStore speaks with its callers: channels waiting for the log, queues, recovery. */
import type { SegmentPosition } from "@amqp-go/storage";
import type { Message } from "../message.js";
import type { QueueStore } from "./queue-store.js";

/** What waits for the log: a channel with publisher confirms outstanding. */
export interface SyncWaiter {
  /** Every log record up to `seq` is on disk. Returns whether it still waits for more. */
  logSynced(seq: number): boolean;
  /** The log failed: nothing more becomes durable. */
  logFailed(): void;
}

/** Where a publish goes: a queue, with its store when it keeps its messages on disk. */
export interface PublishTarget {
  readonly store: QueueStore | null;
  /** The message is in the queue now; `position` is where its segments keep it (null: none). */
  enqueue(message: Message, position: SegmentPosition | null): void;
}

/** A durable queue to recover: its store id (from the definitions), or none yet. */
export interface RecoveringQueue {
  readonly name: string;
  storeId: number;
}

/** What recovery found, for the log and for metrics. */
export interface StoreRecovery {
  readonly queues: number;
  readonly messages: number;
  /** Transient messages of the last run dropped. */
  readonly transientDropped: number;
  /** Log records put back into segments that had lost them. */
  readonly replayed: number;
  readonly clean: boolean;
  readonly durationMs: number;
}

/** Per queue, what recovery hands to its backlog. */
export interface RecoveredQueue {
  readonly store: QueueStore;
  readonly ready: number;
  /** Body octets of the ready messages (x-max-length-bytes). */
  readonly readyBody: number;
  readonly redeliveredBelow: number;
  /** The delivery lease on disk: deliveries up to it need no new lease. */
  readonly lease: number;
}

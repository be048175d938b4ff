/**
 * The types MessageStore speaks with its callers: channels waiting for the log, queues, recovery,
 * and the two ports its user plugs in: how a message is written as bytes (RecordCodec), and where
 * failures and damage are told (StorageLogger).
 */
import type { SegmentPosition } from "../segment/segment-position.js";
import type { QueueStore } from "./queue-store.js";

/**
 * How the user's messages are written to disk and read back, as far as the store needs to know:
 * the store never looks inside a record but through this. `write` encodes in place (in the log's
 * open batch), so a message's bytes are not built elsewhere first and copied in.
 */
export interface RecordCodec<M> {
  /** Whether `message` is logged (survives a crash; its confirm waits for a log sync). */
  persistent(message: M): boolean;
  /** Octets the record of `message` takes. */
  size(message: M): number;
  /** Writes the record of `message` at `offset` of `buf` (which has room); returns the end. */
  write(buf: Buffer, offset: number, message: M, persistent: boolean): number;
  /** Whether a stored record was written persistent (at recovery the others are acknowledged away). */
  isPersistent(record: Buffer): boolean;
  /** Octets of the message body in a stored record (what recovery counts as ready body). */
  bodySize(record: Buffer): number;
  /** Fields naming `message` in a log line. */
  describe(message: M): object;
}

/** Where the store tells its failures and what recovery found damaged; a pino logger fits as is. */
export interface StorageLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What the store's user plugs in. */
export interface MessageStorePorts<M> {
  readonly codec: RecordCodec<M>;
  readonly logger: StorageLogger;
  /** After each log sync, and after a log failure dropped what was pending: credit flow may let publishers go. */
  readonly settled?: (() => void) | undefined;
}

/** What waits for the log: a channel with publisher confirms outstanding. */
export interface SyncWaiter {
  /** Every log record up to `seq` is on disk. Returns whether it still waits for more. */
  logSynced(seq: number): boolean;
  /** The log failed: nothing more becomes durable. */
  logFailed(): void;
}

/** Where a publish goes: a queue, with its store when it keeps its messages on disk. */
export interface PublishTarget<M> {
  readonly store: QueueStore | null;
  /** The message is in the queue now; `position` is where its segments keep it (null: none). */
  enqueue(message: M, position: SegmentPosition | null): void;
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

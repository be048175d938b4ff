/**
 * The ready messages of a queue, oldest first. Two kinds: all in memory (MemoryBacklog, the
 * queues that do not survive a restart) and a hot tail in memory over segment files on disk
 * (DiskBacklog, durable queues).
 */
import type { Message } from "../message.js";
import type { QueueEntry } from "./queue-entry.js";

export interface Backlog {
  /** Ready messages, in memory or on disk. */
  readonly length: number;
  /** A new message, at the end. */
  push(entry: QueueEntry): void;
  /**
   * The next ready message; undefined when there is none in memory. When the next one is on disk
   * a read is started and the queue's `drain()` is called once it is in.
   */
  shift(): QueueEntry | undefined;
  /**
   * The message `shift` would return next, left in place (expiry looks at it); undefined when
   * there is none in memory (a read from disk is started as by `shift`).
   */
  peek(): QueueEntry | undefined;
  /** A delivery comes back, to its place by `seq`. */
  requeue(entry: QueueEntry): void;
  /** The newest message, if it is in memory. */
  last(): QueueEntry | undefined;
  /** Drops every ready message; returns how many. */
  purge(): number;
}

/** What a backlog tells its queue: octets entering and leaving memory, messages read in from disk. */
export interface BacklogOwner {
  /** The broker is above its memory high watermark: keep nothing in memory that can be on disk. */
  readonly memoryAlarmed: boolean;
  hold(bytes: number): void;
  /** The deadline of a message read back from disk (its TTL in this queue when it arrived, `seq`); 0: none. */
  deadline(message: Message, seq: number): number;
  release(bytes: number): void;
  drain(): void;
}

/** A backlog over a durable queue's files (DiskBacklog, PriorityBacklog): what the broker asks of it. */
export interface StoredBacklog {
  /** Memory pressure: drop from memory what is on disk anyway. */
  pageOut(): void;
  /** Drops reads in flight (the queue is deleted or the broker stops). */
  close(): void;
  /** At a clean stop: messages with a lower seq come back flagged redelivered. */
  firstUndelivered(): number;
}

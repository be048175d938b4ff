/** What recovery reads of one durable queue: its ready messages, and the state a clean stop left. */
import { mkdir, readdir, readFile, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { SegmentPosition } from "../segment/segment-position.js";
import type { RecordCodec, RecoveredQueue, StorageLogger, RecoveringQueue } from "./message-store-types.js";
import type { QueueStore } from "./queue-store.js";

/** What recovery reads of a stored record. */
type StoredRecords = Pick<RecordCodec<unknown>, "isPersistent" | "bodySize">;

const SCAN_BYTES = 4 * 1024 * 1024;
/** Written at a clean stop: `{ deliveredBelow }`, the first message never delivered. */
export const STATE_FILE = "state.json";

/** Counts the ready persistent messages of a queue and acknowledges the transient ones of the last run. */
export async function scan(store: QueueStore, codec: StoredRecords): Promise<{ ready: number; readyBody: number; transient: number }> {
  let ready = 0;
  let readyBody = 0;
  let transient = 0;
  let cursor: SegmentPosition = { segmentId: 0, index: 0, seq: 0 };
  for (;;) {
    const batch = await store.segments.readBatch(cursor, SCAN_BYTES);
    const messages = batch.messages;
    if (messages.length === 0) break;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      if (codec.isPersistent(m.payload)) {
        ready++;
        readyBody += codec.bodySize(m.payload);
      } else {
        store.segments.ack(m.position);
        transient++;
      }
    }
    cursor = batch.next;
  }
  return { ready, readyBody, transient };
}

/** The state a clean stop left (and removes it: a crash from now on leaves none). */
export async function takeState(dir: string): Promise<number | null> {
  const path = join(dir, STATE_FILE);
  try {
    const state = JSON.parse(await readFile(path, "utf8")) as { deliveredBelow?: unknown };
    await unlink(path);
    return typeof state.deliveredBelow === "number" ? state.deliveredBelow : null;
  } catch {
    return null;
  }
}

/**
 * Gives every recovering queue without one a store id (above every id in use, in `queuesDir` or
 * among `queues`) and removes the directories of queues that no longer exist; returns the next id.
 */
export async function assignStoreIds(queuesDir: string, queues: readonly RecoveringQueue[], nextStoreId: number, logger: StorageLogger): Promise<number> {
  await mkdir(queuesDir, { recursive: true });
  const dirs = (await readdir(queuesDir)).map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
  let next = Math.max(nextStoreId, 1);
  for (const d of dirs) next = Math.max(next, d + 1);
  for (const q of queues) next = Math.max(next, q.storeId + 1);
  const known = new Set<number>();
  for (const q of queues) {
    if (!(q.storeId > 0)) q.storeId = next++;
    known.add(q.storeId);
  }
  for (const d of dirs) {
    if (known.has(d)) continue;
    await rm(join(queuesDir, String(d)), { recursive: true, force: true });
    logger.info({ storeId: d }, "removed the messages of a queue that no longer exists");
  }
  return next;
}

/**
 * What is ready in a recovered queue (the transient messages acked away), and from which seq its
 * messages come back redelivered: below `deliveredBelow` after a clean stop; after a crash, below
 * its delivery lease (those may have been delivered; none above was).
 */
export async function recoverReady(store: QueueStore, codec: StoredRecords, empty: boolean, deliveredBelow: number | null): Promise<{ queue: RecoveredQueue; transient: number }> {
  if (empty && store.nextSeq === 0) return { queue: { store, ready: 0, readyBody: 0, redeliveredBelow: 0, lease: 0 }, transient: 0 };
  const { ready, readyBody, transient } = await scan(store, codec);
  // On a full disk the acks of the transient messages wait in memory; the ack timer retries.
  await store.segments.flushAcks().catch(() => undefined);
  const lease = await store.loadLease();
  return { queue: { store, ready, readyBody, redeliveredBelow: deliveredBelow ?? Math.min(lease, store.nextSeq), lease }, transient };
}

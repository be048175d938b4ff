/** What recovery reads of one durable queue: its ready messages, and the state a clean stop left. */
import { readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { SegmentPosition } from "@amqp-go/storage";
import { isPersistentRecord, recordBodySize } from "./message-record.js";
import type { QueueStore } from "./queue-store.js";

const SCAN_BYTES = 4 * 1024 * 1024;
/** Written at a clean stop: `{ deliveredBelow }`, the first message never delivered. */
export const STATE_FILE = "state.json";

/** Counts the ready persistent messages of a queue and acknowledges the transient ones of the last run. */
export async function scan(store: QueueStore): Promise<{ ready: number; readyBody: number; transient: number }> {
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
      if (isPersistentRecord(m.payload)) {
        ready++;
        readyBody += recordBodySize(m.payload);
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

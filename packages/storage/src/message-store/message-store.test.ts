import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SegmentPosition } from "../segment/segment-position.js";
import { WriteAheadLog } from "../wal/write-ahead-log.js";
import { logMessage, logTargetCount, logTargetSeq, logTargetStore } from "./log-record.js";
import { MessageStore } from "./message-store.js";
import type { PublishTarget, RecordCodec } from "./message-store-types.js";
import type { QueueStore } from "./queue-store.js";

/** A message of these tests: a text, persistent or not; its record is a flags octet (bit 0: persistent) and the text. */
interface TextMessage {
  readonly text: string;
  readonly persistent: boolean;
}
const codec: RecordCodec<TextMessage> = {
  persistent: (m) => m.persistent,
  size: (m) => 1 + Buffer.byteLength(m.text),
  write: (buf, offset, m, persistent) => {
    buf[offset] = persistent ? 1 : 0;
    return offset + 1 + buf.write(m.text, offset + 1, "utf8");
  },
  isPersistent: (record) => (record[0]! & 1) !== 0,
  bodySize: (record) => record.length - 1,
  describe: (m) => ({ text: m.text }),
};
const text = (record: Buffer) => record.toString("utf8", 1);
const ports = { codec, logger: { info() {}, warn() {}, error() {} } };
const persistent = (body: string): TextMessage => ({ text: body, persistent: true });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function target(store: QueueStore | null): PublishTarget<TextMessage> & { got: (SegmentPosition | null)[] } {
  const got: (SegmentPosition | null)[] = [];
  return { store, got, enqueue: (_m, position) => void got.push(position) };
}

async function logRecords(dir: string): Promise<Buffer[]> {
  const records: Buffer[] = [];
  const wal = await WriteAheadLog.open({ dir: join(dir, "wal"), onRecord: (_seq, payload) => void records.push(Buffer.from(payload)) });
  await wal.close();
  return records;
}

describe("MessageStore.publish", () => {
  it("writes a persistent message to every durable queue and ONE log record naming them all", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-go-storage-message-store-"));
    dirs.push(dir);
    const { store } = await MessageStore.open(dir, { checkpointInterval: 3_600_000 }, ports, [], 1);
    const a = target(store.createQueueStore("/a"));
    const b = target(store.createQueueStore("/b"));
    const transient = target(null);
    const logSeq = store.publish(persistent("hello"), [a, transient, b], 3);
    expect(logSeq).toBeGreaterThan(0);
    expect(a.got[0]?.seq).toBe(0);
    expect(b.got[0]?.seq).toBe(0);
    expect(transient.got).toEqual([null]);
    await store.close(() => 0);
    const [record, ...more] = await logRecords(dir);
    expect(more).toEqual([]);
    expect(logTargetCount(record!)).toBe(2);
    expect([logTargetStore(record!, 0), logTargetStore(record!, 1)]).toEqual([a.store!.id, b.store!.id]);
    expect(logTargetSeq(record!, 1)).toBe(0);
    expect(text(logMessage(record!))).toBe("hello");
  });

  it("logs nothing for a transient message, and nothing when no durable queue was reached", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-go-storage-message-store-"));
    dirs.push(dir);
    const { store } = await MessageStore.open(dir, { checkpointInterval: 3_600_000 }, ports, [], 1);
    const a = target(store.createQueueStore("/a"));
    expect(store.publish({ text: "t", persistent: false }, [a], 1)).toBe(0);
    expect(a.got).toHaveLength(1);
    expect(store.publish(persistent("p"), [target(null)], 1)).toBe(0);
    await store.close(() => 0);
    expect(await logRecords(dir)).toEqual([]);
  });

  it("a segment append that throws partway leaves nothing behind for the next publish's log record", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-go-storage-message-store-"));
    dirs.push(dir);
    const { store } = await MessageStore.open(dir, { checkpointInterval: 3_600_000 }, ports, [], 1);
    const a = target(store.createQueueStore("/a"));
    const broken = store.createQueueStore("/broken");
    broken.segments.append = () => {
      throw new Error("no space left on device");
    };
    expect(() => store.publish(persistent("first"), [a, target(broken)], 2)).toThrow("no space left");
    expect(store.publish(persistent("second"), [a], 1)).toBeGreaterThan(0);
    await store.close(() => 0);
    const records = await logRecords(dir);
    expect(records).toHaveLength(1);
    expect(logTargetCount(records[0]!)).toBe(1);
    expect(logTargetStore(records[0]!, 0)).toBe(a.store!.id);
    expect(logTargetSeq(records[0]!, 0)).toBe(1);
    expect(text(logMessage(records[0]!))).toBe("second");
  });
});

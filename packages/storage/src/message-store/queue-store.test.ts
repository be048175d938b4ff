import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SegmentPosition } from "../segment/segment-position.js";
import { MessageStore } from "./message-store.js";
import type { RecordCodec } from "./message-store-types.js";
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
const ports = { codec, logger: { info() {}, warn() {}, error() {} } };

const dirs: string[] = [];
const open: MessageStore<TextMessage>[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close(() => 0);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function openStore(dir: string, queues: { name: string; storeId: number }[] = []) {
  const r = await MessageStore.open(dir, {}, ports, queues, 1);
  open.push(r.store);
  return r;
}

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), "amqp-go-queue-store-"));
  dirs.push(d);
  return d;
}

const message = (body: string, persistent: boolean): TextMessage => ({ text: body, persistent });

/** What routing does for a message to one durable queue: one call, the segment append and the log record (if persistent). */
function publish(messages: MessageStore<TextMessage>, q: QueueStore, m: TextMessage) {
  let position: SegmentPosition | null = null;
  const target = { store: q, enqueue: (_: TextMessage, p: SegmentPosition | null) => void (position = p) };
  const logSeq = messages.publish(m, [target], 1);
  if (position === null) throw new Error("the message was not appended");
  return { position: position as SegmentPosition, logSeq };
}

describe("QueueStore", () => {
  it("a new queue's store: its own directory under a fresh id, consecutive seqs from its appends", async () => {
    const dir = dataDir();
    const { store: messages } = await openStore(dir);
    const a = messages.createQueueStore("/ a");
    const b = messages.createQueueStore("/ b");
    expect(b.id).toBe(a.id + 1);
    expect(a.dir).toBe(join(dir, "queues", String(a.id)));
    const first = a.nextSeq;
    const positions = ["1", "2", "3"].map((s) => publish(messages, a, message(s, false)).position);
    expect(positions.map((p) => p.seq)).toEqual([first, first + 1, first + 2]);
    expect(a.nextSeq).toBe(first + 3);
    expect(b.nextSeq).toBe(first); // seqs are per queue
  });

  it("ack marks the message in the segments; once its queue is deleted an ack does nothing", async () => {
    const { store: messages } = await openStore(dataDir());
    const q = messages.createQueueStore("/ q");
    const [p1, p2] = ["1", "2"].map((s) => publish(messages, q, message(s, false)).position);
    q.ack(p1!);
    expect(q.segments.isAcked(p1!)).toBe(true);
    expect(q.segments.isAcked(p2!)).toBe(false);
    messages.dropQueueStore(q);
    expect(q.closed).toBe(true);
    expect(() => q.ack(p2!)).not.toThrow();
    expect(q.segments.isAcked(p2!)).toBe(false);
    await expect.poll(() => existsSync(q.dir)).toBe(false); // and its files go
  });

  it("the delivery lease: 0 before any, then the last saved, as 8 octets written in place (seqs above 2^32 too)", async () => {
    const { store: messages } = await openStore(dataDir());
    const q = messages.createQueueStore("/ lease");
    expect(await q.loadLease()).toBe(0);
    await q.saveLease(2 ** 32 + 7);
    expect(await q.loadLease()).toBe(2 ** 32 + 7);
    await q.saveLease(12);
    expect(await q.loadLease()).toBe(12);
    expect(readFileSync(join(q.dir, "lease")).toString("hex")).toBe("000000000000000c");
    await q.closeFiles();
    expect(await q.loadLease()).toBe(12); // read from the file, not from memory
  });

  it("through a clean restart its persistent messages come back ready, its transient ones are dropped", async () => {
    const dir = dataDir();
    let storeId = 0;
    {
      const { store: messages } = await openStore(dir);
      const q = messages.createQueueStore("/ r");
      storeId = q.id;
      for (const [body, persistent] of [["p1", true], ["t1", false], ["p2", true], ["t2", false], ["p3", true]] as const) {
        const { position, logSeq } = publish(messages, q, message(body, persistent));
        if (persistent) expect(logSeq).toBeGreaterThan(0);
        else expect(logSeq).toBe(0); // a transient message is not logged
        if (body === "p2") q.ack(position);
      }
      open.splice(open.indexOf(messages), 1);
      await messages.close(() => q.nextSeq);
    }
    const { store: messages, queues } = await openStore(dir, [{ name: "/ r", storeId }]);
    expect(messages.recovery).toMatchObject({ queues: 1, messages: 2, transientDropped: 2, clean: true });
    expect(queues).toHaveLength(1);
    expect(queues[0]!.store.id).toBe(storeId);
    expect(queues[0]!.ready).toBe(2);
  });

  it("the directory of a queue not in the definitions any more is removed at start", async () => {
    const dir = dataDir();
    let orphan = "";
    {
      const { store: messages } = await openStore(dir);
      const gone = messages.createQueueStore("/ gone");
      orphan = gone.dir;
      // a queue gets its directory with its first message
      gone.segments.append(Buffer.from("m"));
      await gone.segments.flush();
      open.splice(open.indexOf(messages), 1);
      await messages.close(() => 0);
    }
    expect(() => readFileSync(join(orphan, "state.json"))).not.toThrow();
    await openStore(dir, []);
    expect(() => readFileSync(join(orphan, "state.json"))).toThrow(/ENOENT/);
  });
});

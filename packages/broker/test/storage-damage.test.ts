/**
 * Damaged files: 16 octets flipped in one record in the middle of the write-ahead log, of a segment
 * and of an ack file, and in definitions.json. What comes back is everything but what the damaged
 * record held (for an ack file: those messages are delivered again), and the log says so, naming
 * the file.
 */
import { cpSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Broker } from "../src/index.js";
import { until } from "./helpers.js";
import { connect, dataDir, drain, linesWith, start, stop } from "./storage-helpers.js";

/** Flips `n` octets of `file` from `at`. */
function flip(file: string, at: number, n = 16): void {
  const buf = readFileSync(file);
  for (let i = at; i < at + n; i++) buf[i] = buf[i]! ^ 0xff;
  writeFileSync(file, buf);
}

/** Offsets of the records of a file made of [crc u32][length u32][rest of a `head`-octet header][payload], from `from`. */
function recordOffsets(file: string, from: number, head: number): number[] {
  const buf = readFileSync(file);
  const out: number[] = [];
  for (let p = from; p + head <= buf.length; p += head + buf.readUInt32LE(p + 4)) out.push(p);
  return out;
}

const bodies = (n: number) => Array.from({ length: n }, (_, i) => `message ${i} ${"x".repeat(100)}`);
const noCheckpoint = { storage: { checkpointInterval: 600_000 } };

async function publish(url: string, queue: string, all: string[]): Promise<void> {
  const c = await connect(url);
  const ch = await c.createConfirmChannel();
  await ch.assertQueue(queue, { durable: true });
  for (const b of all) ch.sendToQueue(queue, Buffer.from(b), { persistent: true });
  await ch.waitForConfirms();
  await c.close();
}

function queueDir(dir: string): string {
  const q = join(dir, "queues");
  return join(q, readdirSync(q)[0]!);
}

describe("damaged files", () => {
  it("a damaged record in the middle of the write-ahead log loses that message only; the log line says which", async () => {
    const dir = dataDir();
    const a = await start(dir, noCheckpoint);
    const all = bodies(2000);
    await publish(a.url, "w", all);
    // the segment batch is written too: the copy below is what a crash leaves
    const store = a.broker.vhosts.get("/")!.queues.get("w")!.store!;
    const appended = () => store.segments.segments().reduce((n, s) => n + s.bytes, 0);
    const written = () => readdirSync(store.dir).reduce((n, f) => n + (f.endsWith(".dat") ? statSync(join(store.dir, f)).size : 0), 0);
    await until(() => written() >= appended());
    const crashed = dataDir();
    cpSync(dir, crashed, { recursive: true });
    // the segments' unsynced data lost (a power cut): the log is the only copy
    for (const f of readdirSync(queueDir(crashed))) if (f.endsWith(".dat")) truncateSync(join(queueDir(crashed), f), 32);
    const wal = join(crashed, "wal", readdirSync(join(crashed, "wal"))[0]!);
    const records = recordOffsets(wal, 0, 16);
    expect(records.length).toBe(2000);
    flip(wal, records[1000]!); // its crc, length and sequence: the record cannot be walked past by its length
    const b = await start(crashed, noCheckpoint);
    expect(await drain(b.url, "w")).toEqual(all.filter((_, i) => i !== 1000));
    const lines = linesWith(b.log, "write-ahead log damaged");
    expect(lines.length).toBe(1);
    expect(lines[0]!.msg).toContain("1 record(s) lost");
    expect(lines[0]!.obj).toMatchObject({ file: "wal-0000000000000001.log", offset: records[1000], lostRecords: 1 });
  });

  it("a damaged record in the middle of a segment loses that message only", async () => {
    const dir = dataDir();
    const a = await start(dir);
    const all = bodies(100);
    await publish(a.url, "s", all);
    await stop(a); // a clean stop: the messages are in the segment, the log is empty
    const seg = join(queueDir(dir), readdirSync(queueDir(dir)).find((f) => f.endsWith(".dat"))!);
    const records = recordOffsets(seg, 32, 16);
    expect(records.length).toBe(100);
    flip(seg, records[50]!);
    const b = await start(dir);
    expect(await drain(b.url, "s")).toEqual(all.filter((_, i) => i !== 50));
    const lines = linesWith(b.log, "queue segments damaged");
    expect(lines.length).toBe(1);
    expect(lines[0]!.msg).toContain("1 message(s) lost");
  });

  it("a damaged batch of an ack file brings back the messages it acknowledged, with a warning naming the file", async () => {
    const dir = dataDir();
    const a = await start(dir, { storage: { ackFlushInterval: 600_000 } });
    const all = bodies(100);
    await publish(a.url, "k", all);
    const q = a.broker.vhosts.get("/")!.queues.get("k")!;
    const c = await connect(a.url);
    const ch = await c.createChannel();
    // three batches of acks, one ack-file record each: messages 0-29, 30-59, 60-89
    for (let batch = 0; batch < 3; batch++) {
      for (let i = 0; i < 30; i++) {
        const m = await ch.get("k");
        if (m === false) throw new Error("queue empty");
        ch.ack(m);
      }
      await until(() => q.unacked === 0);
      await q.store!.segments.flushAcks();
    }
    await c.close();
    await stop(a);
    const ackName = readdirSync(queueDir(dir)).find((f) => f.endsWith(".ack"))!;
    const ack = join(queueDir(dir), ackName);
    const records = recordOffsets(ack, 16, 8);
    expect(records.length).toBeGreaterThanOrEqual(3);
    flip(ack, records[1]! + 8, 4); // the body of the second batch
    const b = await start(dir);
    // the second batch's messages again, and those never acked
    expect(await drain(b.url, "k")).toEqual([...all.slice(30, 60), ...all.slice(90)]);
    const lines = linesWith(b.log, "ack file damaged");
    expect(lines.length).toBe(1);
    expect(lines[0]!.obj).toMatchObject({ file: ackName, damagedBatches: 1 });
  });

  it("a damaged definitions.json is reported by name and the previous one used; with both damaged the broker refuses to start", async () => {
    const dir = dataDir();
    const a = await start(dir);
    const c = await connect(a.url);
    const ch = await c.createChannel();
    await ch.assertQueue("first", { durable: true });
    await ch.assertQueue("second", { durable: true });
    await c.close();
    await stop(a);
    const defs = join(dir, "metadata", "definitions.json");
    flip(defs, 20);
    const b = await start(dir);
    const warn = linesWith(b.log, "durable definitions damaged")[0]!;
    expect(warn.msg).toContain("definitions.json.prev");
    expect(JSON.stringify(warn.obj.damaged)).toContain("definitions.json");
    // the previous save: every queue declared before the last change
    expect([...b.broker.vhosts.get("/")!.queues.keys()]).toContain("first");
    await stop(b);
    flip(defs, 20);
    flip(`${defs}.prev`, 20);
    expect(() => new Broker({ dataDir: dir })).toThrow(/definitions\.json .*definitions\.json\.prev/);
  });
});

/**
 * Persistent messages in durable queues, with a data directory: what survives a clean restart,
 * confirms that wait for the write-ahead log, backlogs bigger than the ring buffer, purge and
 * delete. (Crashes: test/crash.test.ts.)
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MethodId } from "@amqp-go/protocol";
import amqp from "amqplib";
import { afterEach, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { Broker, type BrokerOptions } from "../src/index.js";
import { ALARM_ONLY, type ChannelModel, until } from "./helpers.js";

const dirs: string[] = [];
const brokers: Broker[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), "amqp-go-messages-"));
  dirs.push(d);
  return d;
}

async function start(dir: string, options: BrokerOptions = {}): Promise<{ broker: Broker; url: string }> {
  const broker = new Broker({ heartbeat: 0, dataDir: dir, ...options });
  brokers.push(broker);
  const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
  return { broker, url: `amqp://guest:guest@127.0.0.1:${port}` };
}

async function stop(b: { broker: Broker }): Promise<void> {
  brokers.splice(brokers.indexOf(b.broker), 1);
  await b.broker.close();
}

async function connect(url: string): Promise<ChannelModel> {
  // noDelay: amqplib leaves Nagle on, which holds a basic.get behind the ack before it for 40 ms
  const c = await amqp.connect(url, { noDelay: true });
  c.on("error", () => {});
  return c;
}

/** Every message of `queue` by basic.get, acked: [body, redelivered]. */
async function drainByGet(url: string, queue: string): Promise<[string, boolean][]> {
  const c = await connect(url);
  const ch = await c.createChannel();
  const out: [string, boolean][] = [];
  for (;;) {
    const m = await ch.get(queue);
    if (m === false) break;
    out.push([m.content.toString(), m.fields.redelivered]);
    ch.ack(m);
  }
  await c.close();
  return out;
}

const persistent = { persistent: true };

describe("messages of durable queues", () => {
  it("persistent ones survive a clean restart in order; transient ones and acked ones do not", async () => {
    const dir = dataDir();
    const a = await start(dir);
    {
      const c = await connect(a.url);
      const ch = await c.createConfirmChannel();
      await ch.assertQueue("d", { durable: true });
      await ch.assertQueue("t", { durable: false });
      await ch.bindQueue("d", "amq.fanout", "");
      await ch.bindQueue("t", "amq.fanout", "");
      for (let i = 0; i < 10; i++) ch.publish("amq.fanout", "", Buffer.from(`p${i}`), persistent);
      ch.publish("amq.fanout", "", Buffer.from("transient"));
      await ch.waitForConfirms();
      // take three: ack two, leave one unacked (it goes back to the queue at close, redelivered)
      const got: amqp.GetMessage[] = [];
      for (let i = 0; i < 3; i++) got.push((await ch.get("d")) as amqp.GetMessage);
      ch.ack(got[0]!);
      ch.ack(got[1]!);
      await ch.checkQueue("d");
      await c.close();
    }
    await stop(a);
    const b = await start(dir);
    const v = b.broker.vhosts.get("/")!;
    expect(v.queues.has("t")).toBe(false);
    expect(v.queues.get("d")!.messageCount).toBe(8);
    expect(await drainByGet(b.url, "d")).toEqual([
      ["p2", true],
      ...Array.from({ length: 7 }, (_, i): [string, boolean] => [`p${i + 3}`, false]),
    ]);
    await stop(b);
    const c = await start(dir);
    expect(c.broker.vhosts.get("/")!.queues.get("d")!.messageCount).toBe(0);
  });

  it("messages taken with no ack (basic.get no-ack, a no-ack consumer) do not come back after a restart", async () => {
    const dir = dataDir();
    const a = await start(dir);
    {
      const c = await connect(a.url);
      const ch = await c.createConfirmChannel();
      await ch.assertQueue("n", { durable: true });
      for (let i = 0; i < 10; i++) ch.sendToQueue("n", Buffer.from(`m${i}`), persistent);
      await ch.waitForConfirms();
      expect(((await ch.get("n", { noAck: true })) as amqp.GetMessage).content.toString()).toBe("m0");
      let got = 0;
      await new Promise<void>((resolve) => {
        void ch.consume("n", () => ++got === 9 && resolve(), { noAck: true });
      });
      await c.close();
    }
    await stop(a);
    const b = await start(dir);
    expect(b.broker.vhosts.get("/")!.queues.get("n")!.messageCount).toBe(0);
  });

  it("segment writes lost in a power cut come back from the write-ahead log, once, also after a second crash", async () => {
    const dir = dataDir();
    // no checkpoint during the test: the log keeps every record
    const storage = { checkpointInterval: 600_000 };
    const a = await start(dir, { storage });
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("w", { durable: true });
    for (let i = 0; i < 100; i++) ch.sendToQueue("w", Buffer.from(`m${i}`), i % 2 === 0 ? persistent : {});
    await ch.waitForConfirms();
    // the segment batch is written too (not synced): the files hold every octet appended
    const store = a.broker.vhosts.get("/")!.queues.get("w")!.store!;
    const appended = () => store.segments.segments().reduce((n, s) => n + s.bytes, 0);
    const written = () => readdirSync(store.dir).reduce((n, f) => n + (f.endsWith(".dat") ? statSync(join(store.dir, f)).size : 0), 0);
    await until(() => written() >= appended());
    // a crash: the files as they are now, with the queue's segment data lost past its header
    const crashed = dataDir();
    cpSync(dir, crashed, { recursive: true });
    const queueDir = join(crashed, "queues", readdirSync(join(crashed, "queues"))[0]!);
    for (const f of readdirSync(queueDir)) if (f.endsWith(".dat")) truncateSync(join(queueDir, f), 32);
    await c.close();
    const b = await start(crashed, { storage });
    expect(b.broker.store!.recovery).toMatchObject({ replayed: 50, messages: 50, clean: false });
    // a second crash right after that recovery: the replayed messages are not replayed twice
    const again = dataDir();
    cpSync(crashed, again, { recursive: true });
    // never delivered before either crash: not redelivered (the delivery lease on disk says so)
    const expected = Array.from({ length: 50 }, (_, i): [string, boolean] => [`m${2 * i}`, false]);
    expect(await drainByGet(b.url, "w")).toEqual(expected);
    const d = await start(again, { storage });
    expect(d.broker.store!.recovery).toMatchObject({ replayed: 0, messages: 50 });
    expect(await drainByGet(d.url, "w")).toEqual(expected);
  });

  it("after a crash the delivered messages come back redelivered, and those past the delivery lease do not", async () => {
    const dir = dataDir();
    const a = await start(dir);
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("l", { durable: true });
    const n = 20_000;
    for (let i = 0; i < n; i++) ch.sendToQueue("l", Buffer.from(String(i)), persistent);
    await ch.waitForConfirms();
    await ch.prefetch(100);
    let got = 0;
    await new Promise<void>((resolve) => void ch.consume("l", () => ++got === 100 && resolve()));
    const crashed = dataDir();
    cpSync(dir, crashed, { recursive: true }); // the files as a kill -9 leaves them
    await c.close();
    const b = await start(crashed);
    expect(b.broker.store!.recovery!.clean).toBe(false);
    const back = await drainByGet(b.url, "l");
    expect(back.length).toBe(n);
    const flagged = back.filter(([, r]) => r).map(([body]) => Number(body));
    // the 100 delivered ones are flagged; beyond them, at most one lease (8192) of undelivered ones
    expect(flagged.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(flagged.length).toBeLessThanOrEqual(100 + 8192);
    expect(back.slice(100 + 8192).every(([, r]) => !r)).toBe(true);
  });

  it("a socket handed to accept() during recovery waits for it: no client sees a half-recovered queue", async () => {
    const dir = dataDir();
    const a = await start(dir);
    {
      const c = await connect(a.url);
      const ch = await c.createConfirmChannel();
      await ch.assertQueue("r", { durable: true });
      for (let i = 0; i < 50_000; i++) ch.sendToQueue("r", Buffer.alloc(100), persistent);
      await ch.waitForConfirms();
      await c.close();
    }
    await stop(a);
    const b = new Broker({ heartbeat: 0, dataDir: dir });
    brokers.push(b);
    const server = createServer((socket) => b.accept(socket)); // no listen(): nothing waits for recovery but accept
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as { port: number };
      const c = await connect(`amqp://guest:guest@127.0.0.1:${port}`);
      const ch = await c.createChannel();
      expect((await ch.checkQueue("r")).messageCount).toBe(50_000);
      await c.close();
    } finally {
      server.close();
    }
  });

  it("a confirm for a persistent message waits for its log batch to be on disk; a transient one does not", async () => {
    const dir = dataDir();
    const a = await start(dir, { storage: { walBatchDelay: 300 } });
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("d", { durable: true });
    const time = async (options: amqp.Options.Publish) => {
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => ch.sendToQueue("d", Buffer.from("x"), options, (err) => (err ? reject(err) : resolve())));
      return performance.now() - t0;
    };
    expect(await time({})).toBeLessThan(200);
    expect(await time(persistent)).toBeGreaterThanOrEqual(250);
    await c.close();
  });

  it("tx.commit-ok waits for the transaction's persistent messages to be on disk", async () => {
    const dir = dataDir();
    const a = await start(dir, { storage: { walBatchDelay: 300 } });
    const c = await connect(a.url);
    const ch = await c.createChannel();
    await ch.assertQueue("d", { durable: true });
    const tx = (method: "TxSelect" | "TxCommit") =>
      (ch as unknown as { rpc: (m: number, f: object, e: number) => Promise<unknown> }).rpc(MethodId[method], {}, MethodId[`${method}Ok`]);
    await tx("TxSelect");
    ch.sendToQueue("d", Buffer.from("transient"));
    let t0 = performance.now();
    await tx("TxCommit");
    expect(performance.now() - t0).toBeLessThan(200);
    ch.sendToQueue("d", Buffer.from("persistent"), persistent);
    t0 = performance.now();
    await tx("TxCommit");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    expect((await ch.checkQueue("d")).messageCount).toBe(2);
    await c.close();
  });

  it("a backlog far above the ring buffer stays on disk, not in memory, and drains in order", async () => {
    const dir = dataDir();
    const a = await start(dir, { storage: { queueMemoryBytes: 64 * 1024 } });
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("big", { durable: true });
    const n = 20_000;
    const body = Buffer.alloc(1000, 7);
    for (let i = 0; i < n; i++) {
      body.writeUInt32BE(i, 0);
      ch.sendToQueue("big", body, persistent);
    }
    await ch.waitForConfirms();
    const held = a.broker.memory.bytes;
    expect(held).toBeLessThan(400 * 1024); // 20 MB published; the ring buffer's 64 KiB plus what was read ahead
    await ch.prefetch(500);
    let next = 0;
    let outOfOrder = 0;
    await new Promise<void>((resolve) => {
      void ch.consume("big", (m) => {
        if (m === null) return;
        if (m.content.readUInt32BE(0) !== next) outOfOrder++;
        next++;
        ch.ack(m);
        if (next === n) resolve();
      });
    });
    expect(outOfOrder).toBe(0);
    // an RPC after the acks on the same channel: the broker has them all once it answers
    expect((await ch.checkQueue("big")).messageCount).toBe(0);
    expect(a.broker.vhosts.get("/")!.queues.get("big")!.unacked).toBe(0);
    await c.close();
  });

  it("under the memory alarm durable queues page out to disk, so the alarm clears and publishers go on", async () => {
    const dir = dataDir();
    // the ring buffer alone would hold everything: the watermark is what pages out
    const a = await start(dir, { memoryHighWatermark: 4 * 1024 * 1024, ...ALARM_ONLY, storage: { queueMemoryBytes: 64 * 1024 * 1024 } });
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("paged", { durable: true });
    const n = 3000;
    const body = Buffer.alloc(4096);
    for (let i = 0; i < n; i++) {
      body.writeUInt32BE(i, 0);
      ch.sendToQueue("paged", body, persistent);
    }
    await ch.waitForConfirms(); // 12 MiB through a 4 MiB watermark
    expect(a.broker.memory.bytes).toBeLessThan(4 * 1024 * 1024);
    expect(a.broker.memory.alarmed).toBe(false);
    const q = a.broker.vhosts.get("/")!.queues.get("paged")!;
    expect(q.messageCount).toBe(n);
    await c.close();
    const got = await drainByGet(a.url, "paged");
    expect(got.length).toBe(n);
  });

  it("a consumer that requeues gets the message back before the rest of a disk backlog", async () => {
    const dir = dataDir();
    const a = await start(dir, { storage: { queueMemoryBytes: 4096 } });
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("r", { durable: true });
    for (let i = 0; i < 100; i++) ch.sendToQueue("r", Buffer.alloc(500, i), persistent);
    await ch.waitForConfirms();
    const first = (await ch.get("r")) as amqp.GetMessage;
    const second = (await ch.get("r")) as amqp.GetMessage;
    ch.nack(second, false, true);
    ch.nack(first, false, true);
    const got = await drainByGet(a.url, "r");
    expect(got.length).toBe(100);
    expect(got.map(([b]) => b.charCodeAt(0))).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(got.slice(0, 3).map(([, r]) => r)).toEqual([true, true, false]);
    await c.close();
  });

  it("purge and delete of a durable queue with a disk backlog: nothing comes back after a restart", async () => {
    const dir = dataDir();
    const a = await start(dir, { storage: { queueMemoryBytes: 4096 } });
    {
      const c = await connect(a.url);
      const ch = await c.createConfirmChannel();
      await ch.assertQueue("p", { durable: true });
      await ch.assertQueue("gone", { durable: true });
      for (let i = 0; i < 500; i++) {
        ch.sendToQueue("p", Buffer.alloc(300, 1), persistent);
        ch.sendToQueue("gone", Buffer.alloc(300, 2), persistent);
      }
      await ch.waitForConfirms();
      expect((await ch.purgeQueue("p")).messageCount).toBe(500);
      expect((await ch.deleteQueue("gone")).messageCount).toBe(500);
      await ch.assertQueue("gone", { durable: true }); // the same name again: a new, empty queue
      await c.close();
    }
    await stop(a);
    const b = await start(dir);
    const v = b.broker.vhosts.get("/")!;
    expect(v.queues.get("p")!.messageCount).toBe(0);
    expect(v.queues.get("gone")!.messageCount).toBe(0);
    // the deleted queue's directory went, and the new, empty one has none yet
    expect(readdirSync(join(dir, "queues")).length).toBe(1);
  });

  it("a durable queue keeps working after a restart: new publishes go after the recovered ones", async () => {
    const dir = dataDir();
    const a = await start(dir, { storage: { queueMemoryBytes: 2048 } });
    {
      const c = await connect(a.url);
      const ch = await c.createConfirmChannel();
      await ch.assertQueue("q", { durable: true });
      for (let i = 0; i < 50; i++) ch.sendToQueue("q", Buffer.from(`a${i}`), persistent);
      await ch.waitForConfirms();
      await c.close();
    }
    await stop(a);
    const b = await start(dir, { storage: { queueMemoryBytes: 2048 } });
    {
      const c = await connect(b.url);
      const ch = await c.createConfirmChannel();
      for (let i = 0; i < 50; i++) ch.sendToQueue("q", Buffer.from(`b${i}`), persistent);
      await ch.waitForConfirms();
      await c.close();
    }
    const got = await drainByGet(b.url, "q");
    expect(got.map(([s]) => s)).toEqual([...Array.from({ length: 50 }, (_, i) => `a${i}`), ...Array.from({ length: 50 }, (_, i) => `b${i}`)]);
    expect(existsSync(join(dir, "wal"))).toBe(true);
  });
});

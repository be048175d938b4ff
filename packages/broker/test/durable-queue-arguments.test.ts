/**
 * Queue arguments on durable queues with persistent messages: deadlines and x-death headers
 * survive a clean restart and a kill -9 (the data directory copied while the broker runs, as a
 * crash leaves it), and expiry works through a backlog on disk without reading it all into memory.
 */
import { cpSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sleep, until } from "./helpers.js";
import { connect, dataDir, start, stop } from "./storage-helpers.js";

const persistent = { persistent: true } as const;
const DLX = { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dq-dead" };

async function declare(url: string, ttl?: number): Promise<void> {
  const c = await connect(url);
  const ch = await c.createChannel();
  await ch.assertQueue("dq-dead", { durable: true });
  await ch.assertQueue("dq", { durable: true, arguments: { ...DLX, ...(ttl === undefined ? {} : { "x-message-ttl": ttl }) } });
  await c.close();
}

/** What the dead-letter queue holds: body, x-death (time left out) and the first-death reason. */
async function deadLetters(url: string): Promise<unknown[]> {
  const c = await connect(url);
  const ch = await c.createChannel();
  const out: unknown[] = [];
  for (let m = await ch.get("dq-dead", { noAck: true }); m !== false; m = await ch.get("dq-dead", { noAck: true })) {
    const h = m.properties.headers!;
    const deaths = (h["x-death"] as unknown as Record<string, unknown>[]).map(({ time: _t, ...rest }) => rest);
    out.push({ body: m.content.toString(), persistent: m.properties.deliveryMode === 2, deaths, first: h["x-first-death-reason"] });
  }
  await c.close();
  return out;
}

const expired = (body: string, extra: Record<string, unknown> = {}) => ({
  body,
  persistent: true,
  deaths: [{ count: 1, reason: "expired", queue: "dq", exchange: "", "routing-keys": ["dq"], ...extra }],
  first: "expired",
});

describe("durable queues with arguments", () => {
  it("a deadline survives a clean restart: a message past it is dead-lettered at start, one before it stays", async () => {
    const dir = dataDir();
    const a = await start(dir);
    await declare(a.url);
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    ch.sendToQueue("dq", Buffer.from("short"), { ...persistent, expiration: "150" });
    ch.sendToQueue("dq", Buffer.from("long"), { ...persistent, expiration: "600000" });
    await ch.waitForConfirms();
    await c.close();
    await stop(a);
    await sleep(250); // past the first deadline while the broker is down
    const b = await start(dir);
    await until(() => b.broker.vhosts.get("/")!.queues.get("dq-dead")!.messageCount === 1);
    expect(b.broker.vhosts.get("/")!.queues.get("dq")!.messageCount).toBe(1);
    expect(await deadLetters(b.url)).toEqual([expired("short", { "original-expiration": "150" })]);
  });

  it("after a kill -9: x-message-ttl deadlines kept, and the dead-lettered copies keep their x-death across another restart", async () => {
    const dir = dataDir();
    const a = await start(dir);
    await declare(a.url, 200);
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    for (let i = 0; i < 3; i++) ch.sendToQueue("dq", Buffer.from(`m${i}`), persistent);
    await ch.waitForConfirms();
    const crashed = dataDir();
    cpSync(dir, crashed, { recursive: true }); // the files as a kill -9 leaves them
    await c.close();
    await sleep(250);
    const b = await start(crashed);
    expect(b.broker.store!.recovery!.clean).toBe(false);
    await until(() => b.broker.vhosts.get("/")!.queues.get("dq-dead")!.messageCount === 3);
    expect(b.broker.vhosts.get("/")!.queues.get("dq")!.messageCount).toBe(0);
    // the dead-lettered copies are persistent messages of a durable queue: on disk, headers and all
    await stop(b);
    const d = await start(crashed);
    expect(await deadLetters(d.url)).toEqual(["m0", "m1", "m2"].map((m) => expired(m)));
  });

  it("x-max-length-bytes counts what was recovered: a publish after a restart drops the oldest", async () => {
    const dir = dataDir();
    const a = await start(dir);
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("dq-bytes", { durable: true, arguments: { "x-max-length-bytes": 1000 } });
    for (const b of "abc") ch.sendToQueue("dq-bytes", Buffer.alloc(300, b), persistent);
    await ch.waitForConfirms();
    await c.close();
    await stop(a);
    const b = await start(dir);
    const c2 = await connect(b.url);
    const ch2 = await c2.createConfirmChannel();
    ch2.sendToQueue("dq-bytes", Buffer.alloc(300, "d"), persistent);
    await ch2.waitForConfirms();
    const left: string[] = [];
    for (let m = await ch2.get("dq-bytes", { noAck: true }); m !== false; m = await ch2.get("dq-bytes", { noAck: true })) left.push(String.fromCharCode(m.content[0]!));
    expect(left).toEqual(["b", "c", "d"]);
    await c2.close();
  });

  it("expires a backlog on disk without reading it all into memory", async () => {
    const dir = dataDir();
    const a = await start(dir, { storage: { queueMemoryBytes: 64 * 1024 } });
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("dq-big", { durable: true, arguments: { "x-message-ttl": 400 } });
    const n = 20_000;
    for (let i = 0; i < n; i++) ch.sendToQueue("dq-big", Buffer.alloc(200, 1), persistent);
    await ch.waitForConfirms();
    const q = a.broker.vhosts.get("/")!.queues.get("dq-big")!;
    let peak = 0;
    const sample = setInterval(() => (peak = Math.max(peak, q.bytes)), 2);
    try {
      await until(() => q.messageCount === 0, 15_000);
    } finally {
      clearInterval(sample);
    }
    // all of it would be ~14 MB (200 B + 512 B counted per message); reads are 256 KiB batches
    expect(peak).toBeLessThan(4 * 1024 * 1024);
    expect(a.broker.storageStats.diskReads).toBeGreaterThan(0);
    expect(q.bytes).toBe(0);
    await c.close();
  });
});

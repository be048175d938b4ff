/**
 * A full disk (storage writes failing with ENOSPC, through the storage's test hook): every operation
 * that needs the disk answers its client (nack, 541), the broker stays up, each kind of failure is
 * logged once, and everything works again once space is freed, without a restart.
 */
import { cpSync } from "node:fs";
import { storageFaults } from "@amqp-go/storage";
import type { ConfirmChannel } from "amqplib";
import { describe, expect, it } from "vitest";
import { type ChannelModel, until } from "./helpers.js";
import { connect, dataDir, drain, linesWith, start, stop } from "./storage-helpers.js";

const persistent = { persistent: true };

/** Publishes `bodies` with confirms; resolves with the ones acked and the ones nacked. */
function publishAll(ch: ConfirmChannel, queue: string, bodies: string[]): Promise<{ acked: string[]; nacked: string[] }> {
  const acked: string[] = [];
  const nacked: string[] = [];
  return new Promise((resolve) => {
    let left = bodies.length;
    for (const b of bodies) {
      ch.sendToQueue(queue, Buffer.from(b), persistent, (err: unknown) => {
        (err === null || err === undefined ? acked : nacked).push(b);
        if (--left === 0) resolve({ acked, nacked });
      });
    }
  });
}

/** The error message the server closed `c` with. */
function closeOf(c: ChannelModel): Promise<string> {
  return new Promise((resolve) => c.once("close", (err?: Error) => resolve(String(err?.message))));
}

const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("a full disk", () => {
  it("nacks persistent publishes, logs once per kind, and confirms again once space is freed; nothing confirmed is lost", async () => {
    const dir = dataDir();
    // no checkpoint: a copy of the files taken while one runs would not be what a crash leaves
    const storage = { checkpointInterval: 600_000 };
    const a = await start(dir, { storage });
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("q", { durable: true });
    const before = await publishAll(ch, "q", range("a", 100));
    expect(before.nacked).toEqual([]);

    storageFaults.failWith("ENOSPC");
    const during = await publishAll(ch, "q", range("b", 200));
    expect(during.acked).toEqual([]);
    expect(during.nacked.length).toBe(200);
    // the channel and the broker are still there
    expect((await ch.checkQueue("q")).queue).toBe("q");
    expect(linesWith(a.log, "storage failure (wal)").length).toBe(1);
    expect(linesWith(a.log, "storage failure (segments)").length).toBe(1);
    expect(linesWith(a.log, "storage failure (wal)")[0]!.obj.code).toBe("ENOSPC");

    storageFaults.failWith(null);
    await until(() => !a.broker.store!.refusing);
    const after = await publishAll(ch, "q", range("c", 100));
    expect(after.nacked).toEqual([]);
    await until(() => linesWith(a.log, "storage recovered (wal)").length === 1 && linesWith(a.log, "storage recovered (segments)").length === 1);
    await c.close();

    // after a crash (the files as they are now) and after a clean restart, every confirmed message is there, in order
    const crashed = dataDir();
    cpSync(dir, crashed, { recursive: true });
    for (const d of [crashed, dir]) {
      if (d === dir) await stop(a);
      const b = await start(d);
      const back = await drain(b.url, "q");
      const confirmed = [...before.acked, ...after.acked];
      expect(back.filter((m) => !m.startsWith("b"))).toEqual(confirmed);
      await stop(b);
    }
  });

  it("refuses to declare a durable queue or exchange with 541 and keeps nothing of it; declares work once space is freed", async () => {
    const dir = dataDir();
    const a = await start(dir);
    for (const only of ["metadata", "queue-dir"] as const) {
      storageFaults.failWith("ENOSPC", (w) => w === only);
      const c = await connect(a.url);
      const ch = await c.createChannel();
      const closed = closeOf(c);
      await expect(ch.assertQueue(`d-${only}`, { durable: true })).rejects.toThrow();
      expect(await closed).toMatch(/541 \(INTERNAL-ERROR\).*ENOSPC/);
      storageFaults.failWith(null);
      if (only === "metadata") await until(() => linesWith(a.log, "storage recovered (definitions)").length === 1);
      // the broker is up, and the queue does not exist
      const c2 = await connect(a.url);
      const ch2 = await c2.createChannel();
      ch2.on("error", () => {});
      await expect(ch2.checkQueue(`d-${only}`)).rejects.toThrow(/404/);
      await c2.close();
    }
    storageFaults.failWith("ENOSPC", (w) => w === "metadata");
    const c = await connect(a.url);
    const ch = await c.createChannel();
    const closed = closeOf(c);
    await expect(ch.assertExchange("x", "topic", { durable: true })).rejects.toThrow();
    expect(await closed).toMatch(/541/);
    expect(a.broker.vhosts.get("/")!.exchanges.has("x")).toBe(false);
    // two episodes (the queue's, the exchange's), one line each
    expect(linesWith(a.log, "storage failure (definitions)").length).toBe(2);

    storageFaults.failWith(null);
    const c3 = await connect(a.url);
    const ch3 = await c3.createChannel();
    await ch3.assertQueue("d-metadata", { durable: true });
    await ch3.assertExchange("x", "topic", { durable: true });
    await c3.close();
    await stop(a);
    const b = await start(dir);
    expect([...b.broker.vhosts.get("/")!.queues.keys()]).toEqual(["d-metadata"]);
    expect(b.broker.vhosts.get("/")!.exchanges.has("x")).toBe(true);
  });

  it("a queue deleted, or auto-deleted when its consumer disconnects, stays deleted: the definitions are saved once space is back", async () => {
    const dir = dataDir();
    const a = await start(dir);
    const c = await connect(a.url);
    const ch = await c.createChannel();
    await ch.assertQueue("gone", { durable: true });
    await ch.assertQueue("auto", { durable: true, autoDelete: true });
    await ch.assertQueue("kept", { durable: true });
    const consumer = await connect(a.url);
    const cch = await consumer.createChannel();
    await cch.consume("auto", () => {});

    storageFaults.failWith("ENOSPC");
    await ch.deleteQueue("gone");
    await consumer.close(); // the auto-delete queue goes: before, ENOSPC here killed the process
    await until(() => !a.broker.vhosts.get("/")!.queues.has("auto"));
    expect(linesWith(a.log, "storage failure (definitions)").length).toBe(1);
    await ch.checkQueue("kept"); // the broker is up and this connection too

    storageFaults.failWith(null);
    await until(() => linesWith(a.log, "storage recovered (definitions)").length === 1);
    // a crash now: the definitions on disk already say so
    const crashed = dataDir();
    cpSync(dir, crashed, { recursive: true });
    await c.close();
    const b = await start(crashed);
    expect([...b.broker.vhosts.get("/")!.queues.keys()]).toEqual(["kept"]);
  });

  it("acks of consumers are kept in memory while the ack files cannot be written, and made durable once they can", async () => {
    const dir = dataDir();
    const a = await start(dir, { storage: { ackFlushInterval: 10 } });
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("acks", { durable: true });
    expect((await publishAll(ch, "acks", range("m", 50))).nacked).toEqual([]);

    storageFaults.failWith("ENOSPC", (w) => w === "ack");
    const got: string[] = [];
    const cch = await c.createChannel();
    await cch.consume("acks", (m) => {
      got.push(m!.content.toString());
      cch.ack(m!);
    });
    await until(() => got.length === 50);
    await until(() => linesWith(a.log, "storage failure (segments)").length === 1);
    expect(a.broker.vhosts.get("/")!.queues.get("acks")!.messageCount).toBe(0);

    storageFaults.failWith(null);
    await until(() => linesWith(a.log, "storage recovered (segments)").length === 1);
    const crashed = dataDir();
    cpSync(dir, crashed, { recursive: true }); // a crash: the acks are in the ack files already
    await c.close();
    const b = await start(crashed);
    expect(await drain(b.url, "acks")).toEqual([]);
    expect(storageFaults.failed).toBeGreaterThan(0);
  });

  it("a broker starts on a full disk with its messages, and writes what recovery could not once space is back", async () => {
    const dir = dataDir();
    const a = await start(dir);
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("r", { durable: true });
    expect((await publishAll(ch, "r", range("p", 10))).nacked).toEqual([]);
    ch.sendToQueue("r", Buffer.from("transient")); // acknowledged away at the next start: an ack write
    await ch.waitForConfirms();
    await c.close();
    await stop(a);

    storageFaults.failWith("ENOSPC");
    const b = await start(dir);
    expect(await drain(b.url, "r")).toEqual(range("p", 10));
    await until(() => linesWith(b.log, "storage failure (segments)").length === 1);
    storageFaults.failWith(null);
    await until(() => linesWith(b.log, "storage recovered (segments)").length === 1);
  });
});

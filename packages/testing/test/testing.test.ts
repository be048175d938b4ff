import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type TestBroker } from "../src/index.js";

const requireCjs = createRequire(import.meta.url);

async function publish(url: string, queue: string, bodies: string[], options: amqp.Options.Publish = {}): Promise<void> {
  const conn = await amqp.connect(url);
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue);
  for (const b of bodies) ch.sendToQueue(queue, Buffer.from(b), options);
  await ch.waitForConfirms();
  await conn.close();
}

describe("startBroker (ESM, in-process)", () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker.stop();
  });

  it("listens on a free loopback port with guest/guest", async () => {
    expect(broker.url).toBe(`amqp://guest:guest@127.0.0.1:${broker.port}`);
    expect(broker.port).toBeGreaterThan(0);
    const conn = await amqp.connect(broker.url);
    expect(conn.connection.serverProperties.product).toBe("amqp-go (testing)");
    await conn.close();
  });

  it("waits for a queue's depth, then takes what was published, with its properties", async () => {
    const waiting = broker.waitForQueue("orders", { depth: 2 });
    await publish(broker.url, "orders", ["a", "b"], { contentType: "application/json", headers: { tenant: "t1" } });
    const q = await waiting;
    expect(q).toMatchObject({ vhost: "/", name: "orders", messages: 2, consumers: 0 });
    const taken = await broker.take("orders");
    expect(taken.map((m) => m.body.toString())).toEqual(["a", "b"]);
    expect(taken[0]).toMatchObject({ exchange: "", routingKey: "orders", redelivered: false });
    expect(taken[0]!.properties).toMatchObject({ contentType: "application/json", headers: { tenant: "t1" } });
    expect((await broker.queues()).find((x) => x.name === "orders")?.messages).toBe(0);
  });

  it("a wait that times out names the queue and what it held", async () => {
    await expect(broker.waitForQueue("nothing-here", { timeout: 30 })).rejects.toThrow("queue 'nothing-here' in vhost '/' does not exist, waited for 1");
  });

  it("gives each test a vhost of its own: same queue names, no crosstalk", async () => {
    const a = await broker.createVhost();
    const b = await broker.createVhost();
    expect(a.name).not.toBe(b.name);
    await publish(a.url, "jobs", ["for a"]);
    await publish(b.url, "jobs", ["for b", "for b too"]);
    expect((await broker.queues(a.name)).map((q) => [q.name, q.messages])).toEqual([["jobs", 1]]);
    expect((await broker.take("jobs", { vhost: b.name })).map((m) => m.body.toString())).toEqual(["for b", "for b too"]);
    const conn = await amqp.connect(a.url);
    const closed = new Promise<Error>((r) => conn.on("close", r));
    await a.delete();
    expect((await closed).message).toMatch(/320/);
    await expect(broker.queues(a.name)).rejects.toThrow(`no vhost '${a.name}'`);
    await b.delete();
  });

  it("purgeAll empties queues; reset starts over and closes connections", async () => {
    await publish(broker.url, "p1", ["x", "y"]);
    await publish(broker.url, "p2", ["z"]);
    expect(await broker.purgeAll("/")).toBe(3);
    const conn = await amqp.connect(broker.url);
    const closed = new Promise<Error>((r) => conn.on("close", r));
    await broker.reset();
    await closed;
    expect(await broker.queues()).toEqual([]);
    await publish(broker.url, "after-reset", ["ok"]);
    expect((await broker.queues()).map((q) => q.name)).toEqual(["after-reset"]);
  });
});

describe("startBroker options", () => {
  it("durable: persistent messages on disk in a temporary directory that stop() removes", async () => {
    const broker = await startBroker({ durable: true });
    const conn = await amqp.connect(broker.url);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue("d", { durable: true });
    ch.sendToQueue("d", Buffer.from("kept"), { persistent: true });
    await ch.waitForConfirms();
    await conn.close();
    expect((await broker.queues())[0]).toMatchObject({ name: "d", durable: true, messages: 1 });
    const dirs = (await import("node:fs")).readdirSync((await import("node:os")).tmpdir()).filter((d) => d.startsWith("amqp-go-testing-"));
    expect(dirs.length).toBeGreaterThan(0);
    await broker.stop();
    const after = (await import("node:fs")).readdirSync((await import("node:os")).tmpdir()).filter((d) => d.startsWith("amqp-go-testing-"));
    expect(after.length).toBe(dirs.length - 1);
  });

  it("stop() frees the port and leaves no socket open", async () => {
    const broker = await startBroker();
    const conn = await amqp.connect(broker.url);
    await conn.close();
    await broker.stop();
    const refused = await new Promise<string>((r) => net.connect(broker.port, "127.0.0.1").on("error", (e: NodeJS.ErrnoException) => r(e.code ?? "")).on("connect", () => r("connected")));
    expect(refused).toBe("ECONNREFUSED");
  });
});

describe("require('@amqp-go/testing') (CommonJS: the broker in a worker thread)", () => {
  it("has the same API and Buffers for bodies", async () => {
    const entry = new URL("../dist/index.cjs", import.meta.url).pathname;
    expect(existsSync(entry)).toBe(true);
    const cjs = requireCjs(entry) as typeof import("../src/index.js");
    const broker = await cjs.startBroker();
    try {
      const v = await broker.createVhost("cjs");
      await publish(v.url, "q", ["from a worker"]);
      const [m] = await broker.take("q", { vhost: "cjs" });
      expect(Buffer.isBuffer(m!.body)).toBe(true);
      expect(m!.body.toString()).toBe("from a worker");
      await expect(broker.take("nope")).rejects.toThrow("no queue 'nope' in vhost '/'");
      expect(await broker.queues("cjs")).toEqual([{ vhost: "cjs", name: "q", messages: 0, unacked: 0, consumers: 0, durable: true }]);
    } finally {
      await broker.stop();
    }
  });
});

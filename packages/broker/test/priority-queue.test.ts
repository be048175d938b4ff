/**
 * Priority queues (x-max-priority): higher priority first, arrival order within a priority,
 * requeued messages back in their place, in memory and on durable queues across a restart and
 * a crash.
 * (RabbitMQ's answers for the transient cases: queue-consumers-conformance.test.ts.)
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { afterEach, describe, expect, it } from "vitest";
import { Broker } from "../src/index.js";
import { until } from "./helpers.js";

const dirs: string[] = [];
const brokers: Broker[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(dir: string): Promise<{ broker: Broker; url: string }> {
  const broker = new Broker({ heartbeat: 0, dataDir: dir });
  brokers.push(broker);
  const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
  return { broker, url: `amqp://guest:guest@127.0.0.1:${port}` };
}

async function stop(broker: Broker): Promise<void> {
  brokers.splice(brokers.indexOf(broker), 1);
  await broker.close();
}

/** Every message of `queue` by basic.get, acked: `body:redelivered`. */
async function drain(url: string, queue: string): Promise<string[]> {
  const c = await amqp.connect(url, { noDelay: true });
  const ch = await c.createChannel();
  const out: string[] = [];
  for (;;) {
    const m = await ch.get(queue);
    if (m === false) break;
    out.push(`${m.content.toString()}:${m.fields.redelivered}`);
    ch.ack(m);
  }
  await c.close();
  return out;
}

const ARGS = { durable: true, arguments: { "x-max-priority": 10 } };

describe("priority queues", () => {
  it("keep priority order on a durable queue across a restart, with requeued messages in their place", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-go-priority-"));
    dirs.push(dir);
    let b = await start(dir);
    const c = await amqp.connect(b.url, { noDelay: true });
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("pq", ARGS);
    const sent: [number | undefined, string][] = [[1, "a"], [9, "b"], [undefined, "c"], [12, "d"], [1, "e"], [9, "f"], [5, "g"]];
    for (const [p, body] of sent) ch.sendToQueue("pq", Buffer.from(body), { persistent: true, ...(p === undefined ? {} : { priority: p }) });
    ch.sendToQueue("pq", Buffer.from("transient"), { priority: 10 });
    await ch.waitForConfirms();
    // "d" (12, capped at 10) and "transient" go out, "d" comes back: redelivered, first again
    const d = await ch.get("pq");
    const tr = await ch.get("pq");
    expect(d && d.content.toString()).toBe("d");
    expect(tr && tr.content.toString()).toBe("transient");
    ch.nack(d as amqp.GetMessage, false, true);
    ch.ack(tr as amqp.GetMessage);
    await ch.checkQueue("pq");
    await c.close();
    await stop(b.broker);

    b = await start(dir);
    // the requeued "d" is flagged, and so is every older message ("may have been delivered": the
    // levels keep no one watermark); newer ones are not
    expect(await drain(b.url, "pq")).toEqual(["d:true", "b:true", "f:false", "g:false", "a:true", "e:false", "c:true"]);
    await stop(b.broker);
    b = await start(dir);
    expect(await drain(b.url, "pq")).toEqual([]);
  });

  it("deliver the highest priority to a waiting consumer, and purge every level (durable: from disk too)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-go-priority-"));
    dirs.push(dir);
    let b = await start(dir);
    const c = await amqp.connect(b.url, { noDelay: true });
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("pq2", ARGS);
    for (let p = 0; p <= 10; p++) ch.sendToQueue("pq2", Buffer.from(String(p)), { persistent: true, priority: p });
    await ch.waitForConfirms();
    const got: string[] = [];
    await ch.prefetch(1);
    const { consumerTag } = await ch.consume("pq2", (m) => {
      if (m === null) return;
      got.push(m.content.toString());
      if (got.length < 3) ch.ack(m);
    });
    await until(() => got.length === 3);
    expect(got).toEqual(["10", "9", "8"]);
    await ch.cancel(consumerTag);
    expect((await ch.purgeQueue("pq2")).messageCount).toBe(8);
    await c.close(); // the unacked "8" comes back
    await stop(b.broker);
    b = await start(dir);
    expect(await drain(b.url, "pq2")).toEqual(["8:true"]);
  });

  it("come back in priority order after a crash (the files as a kill -9 leaves them), flagged redelivered", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-go-priority-"));
    const crashed = mkdtempSync(join(tmpdir(), "amqp-go-priority-"));
    dirs.push(dir, crashed);
    const a = await start(dir);
    const c = await amqp.connect(a.url, { noDelay: true });
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("pq3", ARGS);
    for (let i = 0; i < 30; i++) ch.sendToQueue("pq3", Buffer.from(String(i)), { persistent: true, priority: i % 3 });
    await ch.waitForConfirms();
    cpSync(dir, crashed, { recursive: true });
    await c.close();
    const b = await start(crashed);
    expect(b.broker.store!.recovery!.clean).toBe(false);
    const expected = [2, 1, 0].flatMap((p) => Array.from({ length: 10 }, (_, k) => `${3 * k + p}:true`));
    expect(await drain(b.url, "pq3")).toEqual(expected);
  });
});

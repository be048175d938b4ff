/**
 * The raw client against our real server (the built amqp-server, as a child process): handshake,
 * exact publish/consume counts with every message's producer and sequence checked, publisher
 * confirms, a fixed rate, 64 KiB bodies (frames split across socket reads), and priorities cycled
 * over routing keys into priority queues.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type Method, MethodId } from "@amqp-go/protocol";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientSettings, Counters, ProducerPlan } from "../src/agent-messages.js";
import { zeroCounters } from "../src/agent-messages.js";
import { newHistogram } from "../src/latency.js";
import { typedQueueArgs } from "../src/queue-args.js";
import { RawConnection } from "../src/raw/connection.js";
import { RawConsumer } from "../src/raw/consumer.js";
import { RawProducer } from "../src/raw/producer.js";
import { assertBuilt, type Server, startServer } from "./helpers.js";

let server: Server;
const open: RawConnection[] = [];
beforeAll(async () => {
  assertBuilt();
  server = await startServer();
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close(1000)));
  await server?.stop();
});

const SETTINGS: ClientSettings = { client: "raw", size: 256, rate: 0, confirm: 0, persistent: false, priorityLevels: 0, prefetch: 1000, multiAck: 1, autoack: false, warmup: 0 };
const lost: string[] = [];

async function connect(name: string): Promise<RawConnection> {
  const c = await RawConnection.open(server.uri, name, { lost: (why) => lost.push(`${name}: ${why}`), blocked: () => {} });
  open.push(c);
  return c;
}

async function declare(c: RawConnection, queue: string, passive = false): Promise<Method & { id: typeof MethodId.QueueDeclareOk }> {
  const args = { id: MethodId.QueueDeclare, queue, passive, durable: false, exclusive: false, autoDelete: false, noWait: false } as const;
  return (await c.call(args, MethodId.QueueDeclareOk)) as Method & { id: typeof MethodId.QueueDeclareOk };
}

function producerPlan(id: number, queue: string, messages: number): ProducerPlan {
  return { id, target: { exchange: "", keys: [queue], fan: [1] }, messages };
}

/** Resolves once `cond` holds; fails after `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe("raw client", () => {
  it("shakes hands (PLAIN, tune, open, channel 1) and runs set-up RPCs", async () => {
    const c = await connect("handshake");
    expect(c.frameMax).toBe(131072);
    const ok = await declare(c, "raw-handshake");
    expect(ok).toMatchObject({ queue: "raw-handshake", messageCount: 0, consumerCount: 0 });
    await c.close();
    await expect(RawConnection.open(server.uri.replace("guest:guest", "guest:wrong"), "bad", { lost: () => {}, blocked: () => {} })).rejects.toThrow(/handshake failed/);
  });

  it("delivers exactly what two producers published: each sequence once and in order", async () => {
    const queue = "raw-exact";
    await declare(await connect("declare"), queue);
    const c: Counters = zeroCounters();
    const settings = { ...SETTINGS, size: 64 };
    const consumer = new RawConsumer(await connect("consumer"), { id: 0, queue }, settings, c, newHistogram(), (m) => lost.push(m));
    const next = [0, 0];
    const wrong: string[] = [];
    consumer.inspect = (b, start) => {
      const producer = b.readUInt32BE(start + 8);
      const sequence = b.readUInt32BE(start + 12);
      if (sequence !== next[producer]) wrong.push(`producer ${producer}: got ${sequence}, expected ${next[producer]}`);
      next[producer] = sequence + 1;
    };
    await consumer.start();
    const producers = [0, 1].map(async (id) => new RawProducer(await connect(`producer ${id}`), producerPlan(id, queue, 30_000), settings, c));
    const started = await Promise.all(producers);
    for (const p of started) p.start();
    await Promise.all(started.map((p) => p.done));
    expect(c.published).toBe(60_000);
    await until(() => c.consumed >= 60_000, 20_000, "60,000 deliveries");
    consumer.flushAcks();
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(next).toEqual([30_000, 30_000]);
    expect(c.consumed).toBe(60_000);
    expect(c.routed).toBe(60_000);
    expect(lost).toEqual([]);
  });

  it("multi-acks every N and leaves nothing unacked once flushed", async () => {
    const queue = "raw-multi-ack";
    const admin = await connect("admin");
    await declare(admin, queue);
    const c = zeroCounters();
    const settings = { ...SETTINGS, multiAck: 100, prefetch: 1000 };
    const consumerConn = await connect("consumer");
    const consumer = new RawConsumer(consumerConn, { id: 1, queue }, settings, c, newHistogram(), (m) => lost.push(m));
    await consumer.start();
    const p = new RawProducer(await connect("producer"), producerPlan(0, queue, 10_050), settings, c);
    p.start();
    await p.done;
    await until(() => c.consumed >= 10_050, 20_000, "10,050 deliveries");
    consumer.flushAcks();
    // Closing the consumer's connection requeues whatever it left unacked: nothing must come back.
    await consumerConn.close();
    expect((await declare(admin, queue, true)).messageCount).toBe(0);
    expect(c.consumed).toBe(10_050);
  });

  it("publishes persistent messages with confirms, never more than the window unconfirmed", async () => {
    const queue = "raw-confirms";
    const admin = await connect("admin");
    await declare(admin, queue);
    const c = zeroCounters();
    const settings = { ...SETTINGS, confirm: 100, persistent: true };
    const p = new RawProducer(await connect("producer"), producerPlan(0, queue, 20_000), settings, c);
    await p.setUp();
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, p.unconfirmed);
    }, 1);
    p.start();
    await p.done;
    clearInterval(watch);
    expect(c.published).toBe(20_000);
    expect(c.confirmed).toBe(20_000);
    expect(c.nacked).toBe(0);
    expect(p.unconfirmed).toBe(0);
    expect(most).toBeLessThanOrEqual(100);
    expect((await declare(admin, queue, true)).messageCount).toBe(20_000);
  });

  it("keeps a fixed rate", async () => {
    const queue = "raw-rate";
    await declare(await connect("admin"), queue);
    const c = zeroCounters();
    const p = new RawProducer(await connect("producer"), producerPlan(0, queue, Number.POSITIVE_INFINITY), { ...SETTINGS, rate: 5000 }, c);
    const t0 = performance.now();
    p.start();
    await sleep(2000);
    p.stop();
    await p.done;
    const seconds = (performance.now() - t0) / 1000;
    // Loose: a loaded machine delays timers, but the producer catches up with what is due.
    expect(c.published).toBeGreaterThan(5000 * seconds * 0.8);
    expect(c.published).toBeLessThanOrEqual(5000 * seconds + 1);
  });

  it("consumes 64 KiB bodies whose frames span socket reads, with latency recorded for each", async () => {
    const queue = "raw-64k";
    await declare(await connect("admin"), queue);
    const c = zeroCounters();
    const latency = newHistogram();
    const settings = { ...SETTINGS, size: 65536, prefetch: 50 };
    const sizes = new Set<number>();
    const consumer = new RawConsumer(await connect("consumer"), { id: 2, queue }, settings, c, latency, (m) => lost.push(m));
    consumer.inspect = (_b, start, end) => sizes.add(end - start);
    await consumer.start();
    const p = new RawProducer(await connect("producer"), producerPlan(0, queue, 500), settings, c);
    p.start();
    await p.done;
    await until(() => c.consumed >= 500, 20_000, "500 deliveries");
    expect(c.consumed).toBe(500);
    expect([...sizes]).toEqual([65536]);
    expect(latency.totalCount).toBe(500);
  });

  it("gives message i priority i mod --priority-levels, each routing key through every priority", async () => {
    // 2 keys and 3 levels: a cycle of 6 slots, (q1,0) (q2,1) (q1,2) (q2,0) (q1,1) (q2,2).
    const queues = ["raw-priority-1", "raw-priority-2"];
    const model = await amqp.connect(server.uri);
    const ch = await model.createChannel();
    for (const q of queues) await ch.assertQueue(q, { durable: false, arguments: typedQueueArgs({ "x-max-priority": 10 }) });
    const c = zeroCounters();
    const plan: ProducerPlan = { id: 0, target: { exchange: "", keys: queues, fan: [1, 1] }, messages: 60 };
    const p = new RawProducer(await connect("producer"), plan, { ...SETTINGS, priorityLevels: 3 }, c);
    p.start();
    await p.done;
    const got: Record<string, [number, number][]> = {};
    for (const q of queues) {
      // Published is written, not yet routed: wait until the queue holds its 30.
      for (let i = 0; (await ch.checkQueue(q)).messageCount < 30; i++) {
        if (i > 500) throw new Error(`${q} never held 30 messages`);
        await sleep(10);
      }
      got[q] = [];
      for (let m = await ch.get(q, { noAck: true }); m !== false; m = await ch.get(q, { noAck: true })) {
        got[q]!.push([m.properties.priority as number, m.content.readUInt32BE(12)]);
      }
    }
    await model.close();
    // Each queue: 30 messages, 10 of each priority, highest first and in publish order within one.
    for (const [k, q] of queues.entries()) {
      const sent = Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 2 === k);
      const expected = [2, 1, 0].flatMap((prio) => sent.filter((i) => i % 3 === prio).map((i): [number, number] => [prio, i]));
      expect(got[q]).toEqual(expected);
    }
    expect(c.published).toBe(60);
  });
});

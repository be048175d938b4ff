import { Broker } from "@amqp-go/broker";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brokerRegistry, type MetricsServer, startMetricsServer } from "../src/index.js";

let broker: Broker;
let metrics: MetricsServer;
let url: string;

beforeAll(async () => {
  broker = new Broker({ heartbeat: 0 });
  const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
  url = `amqp://guest:guest@127.0.0.1:${port}`;
  metrics = await startMetricsServer({ registry: brokerRegistry(broker), port: 0, host: "127.0.0.1" });
});
afterAll(async () => {
  await metrics.close();
  await broker.close();
});

const get = (path: string) => fetch(`http://127.0.0.1:${metrics.port}${path}`);

/** The value of one sample of the exposition text, e.g. `rabbitmq_queue_messages_ready{vhost="/",queue="q"}`. */
async function scrape(): Promise<(sample: string) => number | undefined> {
  const text = await (await get("/metrics")).text();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line === "") continue;
    const i = line.lastIndexOf(" ");
    samples.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return (sample) => samples.get(sample);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("/readyz and /healthz", () => {
  it("/readyz turns ready only when the application says so", async () => {
    const before = await get("/readyz");
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({ status: "starting" });
    metrics.ready();
    const after = await get("/readyz");
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ status: "ready" });
    const health = await get("/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    expect((await get("/nope")).status).toBe(404);
  });
});

describe("/metrics after a known workload", () => {
  it("counts exactly what happened, by RabbitMQ's names", async () => {
    const c = await amqp.connect(url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("work", { durable: false });
    for (let i = 0; i < 10; i++) ch.sendToQueue("work", Buffer.alloc(100));
    ch.publish("amq.direct", "nobody", Buffer.from("x"));
    ch.publish("amq.direct", "nobody", Buffer.from("y"), { mandatory: true });
    await ch.waitForConfirms();
    const consumer = await c.createChannel();
    await consumer.prefetch(4);
    const got: amqp.ConsumeMessage[] = [];
    await consumer.consume("work", (m) => m && got.push(m));
    await sleep(50);
    consumer.ack(got[1]!, true); // acks 2 of the 4 delivered; 2 more are delivered

    await sleep(50);
    const s = await scrape();
    expect({
      received: s("rabbitmq_global_messages_received_total"),
      routed: s("rabbitmq_global_messages_routed_total"),
      dropped: s("rabbitmq_global_messages_unroutable_dropped_total"),
      returned: s("rabbitmq_global_messages_unroutable_returned_total"),
      confirmed: s("rabbitmq_global_messages_confirmed_total"),
      delivered: s("rabbitmq_global_messages_delivered_total"),
      acked: s("rabbitmq_global_messages_acknowledged_total"),
      ready: s('rabbitmq_queue_messages_ready{vhost="/",queue="work"}'),
      unacked: s('rabbitmq_queue_messages_unacked{vhost="/",queue="work"}'),
      consumers: s('rabbitmq_queue_consumers{vhost="/",queue="work"}'),
      connections: s("rabbitmq_connections"),
      channels: s("rabbitmq_channels"),
      queues: s("rabbitmq_queues"),
    }).toEqual({
      received: 12,
      routed: 10,
      dropped: 1,
      returned: 1,
      confirmed: 12,
      delivered: 6,
      acked: 2,
      ready: 4,
      unacked: 4,
      consumers: 1,
      connections: 1,
      channels: 2,
      queues: 1,
    });
    expect(s('rabbitmq_queue_messages_bytes{vhost="/",queue="work"}')).toBeGreaterThanOrEqual(800);
    // prom-client's process and Node figures come along.
    expect(s("process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(s("nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
    await c.close();
    const after = await scrape();
    expect(after("rabbitmq_connections")).toBe(0);
    expect(after('rabbitmq_queue_messages_ready{vhost="/",queue="work"}')).toBe(8);
  });
});

describe("storage figures", () => {
  it("count the write-ahead log batches, deliveries from memory and disk reads of a known workload", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "amqp-go-metrics-storage-"));
    // 64 KiB of each queue in memory: most of 2,000 messages of 1 KiB are read back from disk
    const b = new Broker({ heartbeat: 0, dataDir: dir, storage: { queueMemoryBytes: 64 * 1024 } });
    const registry = brokerRegistry(b, { defaultMetrics: false });
    const { port } = await b.listen({ port: 0, host: "127.0.0.1" });
    try {
      const samples = async () => {
        const m = new Map<string, number>();
        for (const line of (await registry.metrics()).split("\n")) {
          if (line.startsWith("#") || line === "") continue;
          const i = line.lastIndexOf(" ");
          m.set(line.slice(0, i), Number(line.slice(i + 1)));
        }
        return m;
      };
      const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`, { noDelay: true });
      const ch = await c.createConfirmChannel();
      await ch.assertQueue("d", { durable: true });
      const n = 2000;
      for (let i = 0; i < n; i++) ch.sendToQueue("d", Buffer.alloc(1000), { persistent: true });
      ch.sendToQueue("d", Buffer.alloc(1000)); // transient: no log record
      await ch.waitForConfirms();
      let s = await samples();
      const batches = s.get("amqpgo_storage_wal_batch_records_count")!;
      expect(batches).toBeGreaterThan(0);
      expect(s.get("amqpgo_storage_wal_batch_records_sum")).toBe(n); // one record per persistent publish
      expect(s.get('amqpgo_storage_wal_batch_records_bucket{le="+Inf"}')).toBe(batches);
      expect(s.get("amqpgo_storage_fsync_duration_seconds_count")).toBe(batches); // one fdatasync per batch
      expect(s.get("amqpgo_storage_wal_written_bytes_total")).toBeGreaterThan(n * 1000);
      expect(s.get("amqpgo_storage_segment_files")).toBeGreaterThanOrEqual(1);
      expect(s.get("amqpgo_storage_wal_files")).toBeGreaterThanOrEqual(1);
      // the disk alarm: off, with the free space and the limit (RabbitMQ's 50 MB by default)
      expect(s.get("rabbitmq_alarms_free_disk_space_watermark")).toBe(0);
      expect(s.get("rabbitmq_disk_space_available_limit_bytes")).toBe(50_000_000);
      expect(s.get("rabbitmq_disk_space_available_bytes")).toBeGreaterThan(50_000_000);
      await ch.prefetch(100);
      let got = 0;
      await new Promise<void>((resolve) => {
        void ch.consume("d", (m) => {
          ch.ack(m!);
          if (++got === n + 1) resolve();
        });
      });
      await ch.checkQueue("d"); // the acks are in once this answers
      s = await samples();
      const hits = s.get("amqpgo_storage_memory_deliveries_total")!;
      const fromDisk = s.get("amqpgo_storage_disk_read_messages_total")!;
      expect(fromDisk).toBeGreaterThan(n / 2);
      expect(hits + fromDisk).toBe(n + 1);
      expect(s.get("amqpgo_storage_disk_reads_total")).toBeGreaterThan(0);
      await c.close();
    } finally {
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("dead-lettering metrics", () => {
  it("count dead-lettered messages by reason with RabbitMQ 3.10's labels, drops without a dead-letter exchange as disabled", async () => {
    const c = await amqp.connect(url);
    const ch = await c.createChannel();
    await ch.assertQueue("m-dlq");
    await ch.assertQueue("m-ttl", { arguments: { "x-message-ttl": 1, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "m-dlq" } });
    await ch.assertQueue("m-plain", { arguments: { "x-max-length": 1 } });
    ch.sendToQueue("m-ttl", Buffer.from("a"));
    ch.sendToQueue("m-ttl", Buffer.from("b"));
    for (const b of ["1", "2", "3"]) ch.sendToQueue("m-plain", Buffer.from(b));
    ch.sendToQueue("m-dlq", Buffer.from("r"));
    await sleep(100);
    const m = await ch.get("m-dlq");
    if (m !== false) ch.reject(m, false);
    await sleep(50);
    const at = await scrape();
    const classic = (reason: string, strategy: string) => at(`rabbitmq_global_messages_dead_lettered_${reason}_total{queue_type="rabbit_classic_queue",dead_letter_strategy="${strategy}"}`);
    expect([classic("expired", "at_most_once"), classic("maxlen", "disabled"), classic("rejected", "disabled")]).toEqual([2, 2, 1]);
    expect(at(`rabbitmq_global_messages_dead_lettered_delivery_limit_total{queue_type="rabbit_quorum_queue",dead_letter_strategy="at_least_once"}`)).toBe(0);
    expect(at(`amqpgo_messages_dead_lettered_unrouted_total{reason="expired"}`)).toBe(0);
    for (const q of ["m-dlq", "m-ttl", "m-plain"]) await ch.deleteQueue(q);
    await c.close();
  });
});

import { Broker } from "@amqp-go/broker";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brokerEndpoints, brokerRegistry, type MetricsServer, startMetricsServer } from "../src/index.js";

let broker: Broker;
let metrics: MetricsServer;
let url: string;

beforeAll(async () => {
  broker = new Broker({ heartbeat: 0 });
  const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
  url = `amqp://guest:guest@127.0.0.1:${port}`;
  metrics = await startMetricsServer({ registry: brokerEndpoints(broker), port: 0, host: "127.0.0.1" });
});
afterAll(async () => {
  await metrics.close();
  await broker.close();
});

const get = (path: string) => fetch(`http://127.0.0.1:${metrics.port}${path}`);

/** The samples of an exposition text by series, e.g. `rabbitmq_queue_messages_ready{vhost="/",queue="q"}`. */
function samplesOf(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line === "") continue;
    const i = line.lastIndexOf(" ");
    samples.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return samples;
}

/** The value of one sample of an endpoint. */
async function scrape(path = "/metrics"): Promise<(sample: string) => number | undefined> {
  const samples = samplesOf(await (await get(path)).text());
  return (sample) => samples.get(sample);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const P = '{protocol="amqp091"}';
const C = '{protocol="amqp091",queue_type="rabbit_classic_queue"}';
const Q = '{protocol="amqp091",queue_type="rabbit_quorum_queue"}';

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
    const nope = await get("/nope");
    expect(nope.status).toBe(404);
    expect(await nope.json()).toMatchObject({ endpoints: ["/metrics", "/metrics/per-object", "/metrics/detailed", "/healthz", "/readyz"] });
  });
});

describe("the metrics after a known workload", () => {
  it("count exactly what happened, by RabbitMQ's names: totals on /metrics, per queue on /metrics/per-object", async () => {
    const c = await amqp.connect(url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("work", { durable: false });
    await ch.assertQueue("work", { durable: false }); // declared again: declared 2, created 1
    for (let i = 0; i < 10; i++) ch.sendToQueue("work", Buffer.alloc(100));
    ch.publish("amq.direct", "nobody", Buffer.from("x"));
    ch.publish("amq.direct", "nobody", Buffer.alloc(5000), { mandatory: true });
    await ch.waitForConfirms();
    const consumer = await c.createChannel();
    await consumer.prefetch(4);
    const got: amqp.ConsumeMessage[] = [];
    await consumer.consume("work", (m) => m && got.push(m));
    await sleep(50);
    consumer.ack(got[1]!, true); // acks 2 of the 4 delivered; 2 more are delivered
    const getter = await c.createChannel(); // publishes nothing: not a publisher
    await getter.assertQueue("gotten");
    await ch.sendToQueue("gotten", Buffer.from("g1"));
    await ch.sendToQueue("gotten", Buffer.from("g2"));
    await ch.waitForConfirms();
    const g1 = await getter.get("gotten", { noAck: false });
    await getter.get("gotten", { noAck: true });
    await getter.get("gotten", { noAck: true }); // empty
    if (g1 !== false) getter.ack(g1);
    await getter.deleteQueue("gotten");
    await expect(amqp.connect(url.replace("guest:guest", "guest:wrong"))).rejects.toThrow(/ACCESS_REFUSED/);

    await sleep(50);
    const s = await scrape();
    expect({
      received: s(`rabbitmq_global_messages_received_total${P}`),
      receivedConfirm: s(`rabbitmq_global_messages_received_confirm_total${P}`),
      routed: s(`rabbitmq_global_messages_routed_total${P}`),
      dropped: s(`rabbitmq_global_messages_unroutable_dropped_total${P}`),
      returned: s(`rabbitmq_global_messages_unroutable_returned_total${P}`),
      confirmed: s(`rabbitmq_global_messages_confirmed_total${P}`),
      delivered: s(`rabbitmq_global_messages_delivered_total${C}`),
      consumeManual: s(`rabbitmq_global_messages_delivered_consume_manual_ack_total${C}`),
      consumeAuto: s(`rabbitmq_global_messages_delivered_consume_auto_ack_total${C}`),
      getManual: s(`rabbitmq_global_messages_delivered_get_manual_ack_total${C}`),
      getAuto: s(`rabbitmq_global_messages_delivered_get_auto_ack_total${C}`),
      getEmpty: s(`rabbitmq_global_messages_get_empty_total${C}`),
      acked: s(`rabbitmq_global_messages_acknowledged_total${C}`),
      publishers: s(`rabbitmq_global_publishers${P}`),
      logins: s(`rabbitmq_auth_attempts_total${P}`),
      loginsRefused: s(`rabbitmq_auth_attempts_failed_total${P}`),
      consumers: s(`rabbitmq_global_consumers${P}`),
      declared: s("rabbitmq_queues_declared_total"),
      created: s("rabbitmq_queues_created_total"),
      deleted: s("rabbitmq_queues_deleted_total"),
      // per-object figures are totals on /metrics, as RabbitMQ serves them by default
      ready: s("rabbitmq_queue_messages_ready"),
      unacked: s("rabbitmq_queue_messages_unacked"),
      channelConsumers: s("rabbitmq_channel_consumers"),
      connectionChannels: s("rabbitmq_connection_channels"),
      connections: s("rabbitmq_connections"),
      channels: s("rabbitmq_channels"),
      queues: s("rabbitmq_queues"),
    }).toEqual({
      received: 14,
      receivedConfirm: 14,
      routed: 12,
      dropped: 1,
      returned: 1,
      confirmed: 14,
      delivered: 8,
      consumeManual: 6,
      consumeAuto: 0,
      getManual: 1,
      getAuto: 1,
      getEmpty: 1,
      acked: 3,
      publishers: 1,
      logins: 2,
      loginsRefused: 1,
      consumers: 1,
      declared: 3,
      created: 2,
      deleted: 1,
      ready: 4,
      unacked: 4,
      channelConsumers: 1,
      connectionChannels: 3,
      connections: 1,
      channels: 3,
      queues: 1,
    });
    // message sizes in RabbitMQ's buckets, `le` written as Erlang writes it (the dashboard matches the text)
    expect(s(`rabbitmq_message_size_bytes_bucket{protocol="amqp091",le="100.0"}`)).toBe(13);
    expect(s(`rabbitmq_message_size_bytes_bucket{protocol="amqp091",le="10000.0"}`)).toBe(14);
    expect(s(`rabbitmq_message_size_bytes_bucket{protocol="amqp091",le="1e+06"}`)).toBe(14);
    expect(s(`rabbitmq_message_size_bytes_bucket{protocol="amqp091",le="+Inf"}`)).toBe(14);
    expect(s(`rabbitmq_message_size_bytes_sum${P}`)).toBe(10 * 100 + 1 + 5000 + 4);
    expect(s(`rabbitmq_message_size_bytes_count${P}`)).toBe(14);
    expect(s('rabbitmq_queue_messages_ready{vhost="/",queue="work"}')).toBeUndefined();
    expect(s("rabbitmq_process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(s("rabbitmq_process_open_fds")).toBeGreaterThan(0);
    expect(s("rabbitmq_process_max_fds")).toBeGreaterThanOrEqual(s("rabbitmq_process_open_fds")!);
    // prom-client's process and Node figures come along.
    expect(s("process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(s("nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);

    const o = await scrape("/metrics/per-object");
    expect({
      ready: o('rabbitmq_queue_messages_ready{vhost="/",queue="work"}'),
      unacked: o('rabbitmq_queue_messages_unacked{vhost="/",queue="work"}'),
      consumers: o('rabbitmq_queue_consumers{vhost="/",queue="work"}'),
      total: o("rabbitmq_queue_messages_ready"),
      received: o(`rabbitmq_global_messages_received_total${P}`),
    }).toEqual({ ready: 4, unacked: 4, consumers: 1, total: undefined, received: 14 });
    expect(o('rabbitmq_queue_messages_bytes{vhost="/",queue="work"}')).toBeGreaterThanOrEqual(800);
    const text = await (await get("/metrics/per-object")).text();
    expect(text).toMatch(/rabbitmq_connection_channels\{channel="127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+"\} 3/);
    expect(text).toMatch(/rabbitmq_channel_consumers\{channel="127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ \(2\)"\} 1/);
    expect(text).toContain('rabbitmq_identity_info{rabbitmq_node="amqp-go@');
    expect(text).toContain('rabbitmq_endpoint="per-object"} 1');
    await c.close();
    const after = await scrape("/metrics/per-object");
    expect(after("rabbitmq_connections")).toBe(0);
    expect(after('rabbitmq_queue_messages_ready{vhost="/",queue="work"}')).toBe(8);
    expect(after(`rabbitmq_global_publishers${P}`)).toBe(0);
  });

  it("split the delivery counters by queue type, as RabbitMQ does", async () => {
    const before = await scrape();
    const c = await amqp.connect(url);
    const ch = await c.createChannel();
    await ch.assertQueue("quorum-q", { durable: true, arguments: { "x-queue-type": "quorum" } });
    ch.sendToQueue("quorum-q", Buffer.from("a"));
    ch.sendToQueue("quorum-q", Buffer.from("b"));
    await sleep(30);
    const m = await ch.get("quorum-q", { noAck: false });
    if (m !== false) ch.nack(m, false, true); // requeued: redelivered next
    await ch.consume("quorum-q", (d) => d && ch.ack(d));
    await sleep(50);
    const s = await scrape();
    const delta = (name: string, labels: string) => s(`rabbitmq_global_messages_${name}${labels}`)! - before(`rabbitmq_global_messages_${name}${labels}`)!;
    expect({
      delivered: delta("delivered_total", Q),
      got: delta("delivered_get_manual_ack_total", Q),
      consumed: delta("delivered_consume_manual_ack_total", Q),
      redelivered: delta("redelivered_total", Q),
      acked: delta("acknowledged_total", Q),
      classic: delta("delivered_total", C),
      stream: s('rabbitmq_global_messages_delivered_total{protocol="amqp091",queue_type="rabbit_stream_queue"}'),
    }).toEqual({ delivered: 3, got: 1, consumed: 2, redelivered: 1, acked: 2, classic: 0, stream: 0 });
    await ch.deleteQueue("quorum-q");
    await c.close();
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

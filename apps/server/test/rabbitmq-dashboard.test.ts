/**
 * The RabbitMQ-Overview Grafana dashboard (grafana.com 10991) against the real server: every metric
 * name its queries use is exported on /metrics, with the labels its queries join and filter on.
 *
 * The names are data taken from the dashboard's queries (`expr` and variable queries), not the
 * dashboard itself: rabbitmq/rabbitmq-server, deps/rabbitmq_prometheus/docker/grafana/dashboards/
 * RabbitMQ-Overview.json at a07a30f55af995e7fd395604a68a6ea0d223175c (2026-03, the current one:
 * 40 names), plus the 4 names only its RabbitMQ 3.11-3.12 revision used
 * (6ee0a318e8c4632afbc208a7ac3dffc0ad338b2c), which installations of 10991 still run.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { describe, expect, it } from "vitest";
import { startServer } from "../src/server.js";
import { freePort } from "./helpers.js";

const CURRENT = [
  "rabbitmq_build_info",
  "rabbitmq_channels",
  "rabbitmq_channels_closed_total",
  "rabbitmq_channels_opened_total",
  "rabbitmq_connections",
  "rabbitmq_connections_closed_total",
  "rabbitmq_connections_opened_total",
  "rabbitmq_disk_space_available_bytes",
  "rabbitmq_disk_space_available_limit_bytes",
  "rabbitmq_erlang_uptime_seconds",
  "rabbitmq_global_consumers",
  "rabbitmq_global_messages_acknowledged_total",
  "rabbitmq_global_messages_confirmed_total",
  "rabbitmq_global_messages_delivered_consume_auto_ack_total",
  "rabbitmq_global_messages_delivered_consume_manual_ack_total",
  "rabbitmq_global_messages_delivered_get_auto_ack_total",
  "rabbitmq_global_messages_delivered_get_manual_ack_total",
  "rabbitmq_global_messages_delivered_total",
  "rabbitmq_global_messages_get_empty_total",
  "rabbitmq_global_messages_received_confirm_total",
  "rabbitmq_global_messages_received_total",
  "rabbitmq_global_messages_redelivered_total",
  "rabbitmq_global_messages_routed_total",
  "rabbitmq_global_messages_unroutable_dropped_total",
  "rabbitmq_global_messages_unroutable_returned_total",
  "rabbitmq_global_publishers",
  "rabbitmq_identity_info",
  "rabbitmq_message_size_bytes_bucket",
  "rabbitmq_message_size_bytes_count",
  "rabbitmq_message_size_bytes_sum",
  "rabbitmq_process_max_fds",
  "rabbitmq_process_open_fds",
  "rabbitmq_process_resident_memory_bytes",
  "rabbitmq_queue_messages_ready",
  "rabbitmq_queue_messages_unacked",
  "rabbitmq_queues",
  "rabbitmq_queues_created_total",
  "rabbitmq_queues_declared_total",
  "rabbitmq_queues_deleted_total",
  "rabbitmq_resident_memory_limit_bytes",
];
const EARLIER = ["rabbitmq_channel_consumers", "rabbitmq_consumers", "rabbitmq_process_max_tcp_sockets", "rabbitmq_process_open_tcp_sockets"];

/** The labels the dashboard joins on (`group_left(...)`), filters on and lists (`label_values`). */
const LABELS: Record<string, string[]> = {
  rabbitmq_identity_info: ["rabbitmq_cluster", "rabbitmq_node", "rabbitmq_endpoint"],
  rabbitmq_build_info: ["rabbitmq_version", "erlang_version"],
};
/** The `le` values its message size panels ask for, spelled as Erlang's prometheus library writes them. */
const BUCKETS = ["100.0", "1000.0", "10000.0", "100000.0", "1e+06", "1e+07", "5e+07", "1e+08", "+Inf"];

const quiet = { destination: { write: () => {} } };

type Sample = { labels: Record<string, string>; value: number };

/** Series name -> its samples. */
function seriesOf(text: string): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a sample: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), { labels, value: Number(m[3]) }]);
  }
  return out;
}

describe("the RabbitMQ-Overview dashboard (grafana.com 10991)", () => {
  it(`finds all ${CURRENT.length + EARLIER.length} metric names its queries use on /metrics, with the labels and buckets it asks for`, async () => {
    expect(new Set([...CURRENT, ...EARLIER]).size).toBe(44);
    const metricsPort = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), "amqp-server-dashboard-"));
    const started = await startServer(["--port", "0", "--host", "127.0.0.1", "--metrics-port", String(metricsPort), "--management-port", "0", "--data-dir", dataDir], {}, quiet);
    if (started.kind !== "running") throw new Error("expected a running server");
    try {
      const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${started.port}`);
      const ch = await c.createConfirmChannel();
      await ch.assertQueue("dashboard");
      ch.sendToQueue("dashboard", Buffer.alloc(300));
      await ch.waitForConfirms();
      const series = seriesOf(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
      expect([...CURRENT, ...EARLIER].filter((name) => !series.has(name))).toEqual([]);
      for (const [name, labels] of Object.entries(LABELS)) {
        const [sample] = series.get(name)!;
        expect(Object.keys(sample!.labels)).toEqual(expect.arrayContaining(labels));
        for (const l of labels) expect(sample!.labels[l]).not.toBe("");
        expect(sample!.value).toBe(1);
      }
      expect(series.get("rabbitmq_identity_info")![0]!.labels.rabbitmq_endpoint).toBe("aggregated");
      const buckets = series.get("rabbitmq_message_size_bytes_bucket")!;
      expect(buckets.map((b) => b.labels.le)).toEqual(BUCKETS);
      // the workload is there: the one 300-octet message is above 100 and within 1000
      expect(Object.fromEntries(buckets.map((b) => [b.labels.le, b.value]))).toMatchObject({ "100.0": 0, "1000.0": 1, "+Inf": 1 });
      expect(series.get("rabbitmq_queue_messages_ready")![0]!.value).toBe(1);
      expect(series.get("rabbitmq_global_publishers")![0]!.value).toBe(1);
      await c.close();
    } finally {
      await started.stop();
    }
  });
});

/**
 * The message store's figures: the write-ahead log's batch sizes and fdatasync times as
 * Prometheus histograms, bytes written, files on disk, deliveries from memory against disk reads, and
 * how long the last recovery took. The broker counts in plain numbers and fixed-bucket arrays
 * (one observation per log batch, none per message); they are rendered when scraped.
 */
import type { Broker, FixedHistogram } from "@amqp-go/broker";
import type { Registry } from "prom-client";
import { counterOf, gaugeOf } from "./collectors.js";

/**
 * A histogram whose buckets are read from `h` at scrape time. prom-client's Histogram can only be
 * fed observations, so this is a metric of our own in the shape the registry renders.
 */
function histogramOf(registry: Registry, name: string, help: string, h: FixedHistogram): void {
  const metric = {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    get() {
      const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
      let cumulative = 0;
      for (let i = 0; i < h.bounds.length; i++) {
        cumulative += h.counts[i]!;
        values.push({ labels: { le: h.bounds[i]! }, value: cumulative, metricName: `${name}_bucket` });
      }
      values.push({ labels: { le: "+Inf" }, value: h.count, metricName: `${name}_bucket` });
      values.push({ labels: {}, value: h.sum, metricName: `${name}_sum` });
      values.push({ labels: {}, value: h.count, metricName: `${name}_count` });
      return Promise.resolve({ name, help, type: "histogram", aggregator: "sum", values });
    },
  };
  registry.registerMetric(metric as unknown as Parameters<Registry["registerMetric"]>[0]);
}

export function registerStorageMetrics(registry: Registry, broker: Broker): void {
  const s = broker.storageStats;
  histogramOf(registry, "amqpgo_storage_wal_batch_records", "Records per write-ahead log batch (one fdatasync each)", s.walBatchRecords);
  histogramOf(registry, "amqpgo_storage_fsync_duration_seconds", "Duration of each write-ahead log fdatasync", s.fsyncSeconds);
  const counters: [string, string, () => number][] = [
    ["amqpgo_storage_wal_written_bytes_total", "Octets written to the write-ahead log", () => s.walBytes],
    ["amqpgo_storage_memory_deliveries_total", "Deliveries from durable queues served from memory, without a disk read", () => s.memoryDeliveries],
    ["amqpgo_storage_disk_reads_total", "Reads of messages back from segment files", () => s.diskReads],
    ["amqpgo_storage_disk_read_messages_total", "Messages read back from segment files", () => s.diskReadMessages],
    ["amqpgo_storage_checkpoints_total", "Checkpoints (segments synced, log files deleted)", () => s.checkpoints],
  ];
  for (const [name, help, read] of counters) counterOf(registry, name, help, read);
  const gauges: [string, string, () => number][] = [
    ["amqpgo_storage_segment_files", "Segment files of durable queues on disk", () => broker.store?.segmentFiles ?? 0],
    ["amqpgo_storage_wal_files", "Write-ahead log files on disk", () => broker.store?.walFiles ?? 0],
    ["amqpgo_storage_recovery_duration_seconds", "How long recovering messages took at start", () => s.recoverySeconds],
    ["amqpgo_storage_recovered_messages", "Messages recovered at start", () => s.recoveredMessages],
  ];
  for (const [name, help, read] of gauges) gaugeOf(registry, name, help, read);
}

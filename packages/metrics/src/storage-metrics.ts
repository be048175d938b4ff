/**
 * The message store's figures: the write-ahead log's batch sizes and fdatasync times as
 * Prometheus histograms, bytes written, files on disk, deliveries from memory against disk reads, and
 * how long the last recovery took. The broker counts in plain numbers and fixed-bucket arrays
 * (one observation per log batch, none per message); they are rendered when scraped.
 */
import type { Broker } from "@amqp-go/broker";
import type { Registry } from "prom-client";
import { counterOf, gaugeOf } from "./collectors.js";
import { registerHistogram } from "./family.js";

export function registerStorageMetrics(registry: Registry, broker: Broker): void {
  const s = broker.storageStats;
  registerHistogram(registry, "amqpgo_storage_wal_batch_records", "Records per write-ahead log batch (one fdatasync each)", s.walBatchRecords);
  registerHistogram(registry, "amqpgo_storage_fsync_duration_seconds", "Duration of each write-ahead log fdatasync", s.fsyncSeconds);
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

/**
 * rabbitmq_identity_info's rabbitmq_cluster_permanent_id: made once, kept in the data directory
 * (RabbitMQ keeps its own in its metadata store), so it stays the same across restarts.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newClusterId } from "@amqp-go/metrics";

export function clusterPermanentId(dataDir: string): string {
  const file = join(dataDir, "cluster_id");
  try {
    const id = readFileSync(file, "utf8").trim();
    if (id !== "") return id;
  } catch {
    // none yet
  }
  const id = newClusterId();
  try {
    writeFileSync(file, `${id}\n`);
  } catch {
    // a read-only data directory: the id lasts as long as the process
  }
  return id;
}

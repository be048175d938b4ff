/**
 * Our three endpoints against what RabbitMQ 3.10.8's rabbitmq_prometheus serves on the same
 * endpoints: for every family both export, the same type, HELP text and label names. The record is
 * test/fixtures/rabbitmq-prometheus.json (names, types, HELP and label names, no values), made by
 * scripts/record-rabbitmq.mjs against a running RabbitMQ; it also lists RabbitMQ's families amqp-go
 * does not export.
 */
import { readFileSync } from "node:fs";
import { Broker } from "@amqp-go/broker";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brokerEndpoints, type MetricsServer, startMetricsServer } from "../src/index.js";

interface Family {
  type: string;
  help: string;
  labels: string[];
}
type Record_ = Record<string, Record<string, Family> | string[] | string>;

const RECORD = JSON.parse(readFileSync(new URL("fixtures/rabbitmq-prometheus.json", import.meta.url), "utf8")) as Record_;
const DETAILED = "?family=connection_churn_metrics&family=node_coarse_metrics&family=node_metrics&family=queue_coarse_metrics&family=queue_consumer_count&family=queue_metrics&family=channel_metrics&family=connection_coarse_metrics&family=connection_metrics&family=vhost_status&family=exchange_names&family=exchange_bindings&vhost=/";

/**
 * Where our labels differ, on purpose: the identity carries rabbitmq_endpoint as RabbitMQ 3.13 and later do (the current dashboard filters
 * on it); the build info names the product as RabbitMQ does when it is rebranded.
 */
const LABELS_DIFFER: Record<string, string[]> = {
  rabbitmq_identity_info: ["rabbitmq_node", "rabbitmq_cluster", "rabbitmq_cluster_permanent_id", "rabbitmq_endpoint"],
  rabbitmq_build_info: ["rabbitmq_version", "prometheus_plugin_version", "prometheus_client_version", "erlang_version", "product_name", "product_version"],
};
/** Family name -> type, HELP and label names of an exposition text (a histogram's le left out). */
function familiesOf(text: string): Record<string, Family> {
  const out: Record<string, Family> = {};
  const family = (name: string) => (out[name] ??= { type: "untyped", help: "", labels: [] });
  for (const line of text.split("\n")) {
    let m: RegExpExecArray | null;
    if ((m = /^# TYPE (\S+) (\S+)/.exec(line))) family(m[1]!).type = m[2]!;
    else if ((m = /^# HELP (\S+) ?(.*)$/.exec(line))) family(m[1]!).help = m[2]!;
    else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$/.exec(line))) {
      const name = out[m[1]!] !== undefined ? m[1]! : m[1]!.replace(/_(bucket|sum|count)$/, "");
      const f = family(name);
      for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_]+)="/g)) if (l[1] !== "le" && !f.labels.includes(l[1]!)) f.labels.push(l[1]!);
    }
  }
  return out;
}

let broker: Broker;
let metrics: MetricsServer;
let connection: amqp.ChannelModel;

beforeAll(async () => {
  broker = new Broker({ heartbeat: 0 });
  const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
  metrics = await startMetricsServer({ registry: brokerEndpoints(broker), port: 0, host: "127.0.0.1" });
  // the recording's workload: a queue, a confirm channel that publishes, a consumer
  connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`);
  const ch = await connection.createConfirmChannel();
  await ch.assertQueue("parity", { durable: false });
  for (let i = 0; i < 5; i++) ch.sendToQueue("parity", Buffer.alloc(200));
  await ch.waitForConfirms();
  const consumer = await connection.createChannel();
  await consumer.prefetch(2);
  await consumer.consume("parity", () => {});
});
afterAll(async () => {
  await connection.close();
  await metrics.close();
  await broker.close();
});

describe("against RabbitMQ 3.10.8's rabbitmq_prometheus", () => {
  for (const path of ["/metrics", "/metrics/per-object", "/metrics/detailed"] as const) {
    it(`${path}: every family RabbitMQ has and we claim has its type, HELP text and label names`, async () => {
      expect(String(RECORD.recordedFrom)).toMatch(/^RabbitMQ 3\.10\.8/);
      const theirs = RECORD[path] as Record<string, Family>;
      const ours = familiesOf(await (await fetch(`http://127.0.0.1:${metrics.port}${path}${path === "/metrics/detailed" ? DETAILED : ""}`)).text());
      expect(Object.keys(theirs).length).toBeGreaterThan(path === "/metrics/detailed" ? 30 : 50);
      const mismatches: string[] = [];
      for (const [name, f] of Object.entries(theirs)) {
        const o = ours[name];
        if (o === undefined) {
          mismatches.push(`${name}: missing`);
          continue;
        }
        if (o.type !== f.type) mismatches.push(`${name}: type ${o.type}, RabbitMQ ${f.type}`);
        if (o.help !== f.help) mismatches.push(`${name}: HELP "${o.help}", RabbitMQ "${f.help}"`);
        const labels = LABELS_DIFFER[name] ?? f.labels;
        if (o.labels.join(",") !== labels.join(",")) mismatches.push(`${name}: labels ${o.labels.join(",")}, expected ${labels.join(",")}`);
      }
      expect(mismatches).toEqual([]);
      // none of RabbitMQ's families that we leave out is served under its name with other content
      const missing = RECORD[`${path} not in amqp-go`] as string[];
      expect(missing.filter((name) => ours[name] !== undefined)).toEqual([]);
    });
  }
});

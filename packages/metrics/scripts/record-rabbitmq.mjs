#!/usr/bin/env node
/**
 * Records what RabbitMQ's rabbitmq_prometheus serves, as names, types, HELP texts and label names
 * only (no values), into test/fixtures/rabbitmq-prometheus.json, for test/rabbitmq-parity.test.ts:
 * the families amqp-go also exports (built: pnpm build), and the names of the others.
 * It runs a small workload first (a queue, a confirm channel that publishes, a consumer) so the
 * per-object families have samples, and deletes its queue afterwards.
 *
 *   node scripts/record-rabbitmq.mjs [--amqp amqp://guest:guest@127.0.0.1:5690] [--http http://127.0.0.1:15700]
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Broker } from "@amqp-go/broker";
import amqp from "amqplib";
import { brokerEndpoints } from "../dist/index.js";

const { values } = parseArgs({ options: { amqp: { type: "string", default: "amqp://guest:guest@127.0.0.1:5690" }, http: { type: "string", default: "http://127.0.0.1:15700" } } });
const QUEUE = "prometheus-record-q";
const FAMILIES = [
  "connection_churn_metrics", "node_coarse_metrics", "node_metrics", "queue_coarse_metrics", "queue_consumer_count", "queue_metrics",
  "channel_metrics", "connection_coarse_metrics", "connection_metrics", "vhost_status", "exchange_names", "exchange_bindings",
];

/** Family name -> { type, help, labels } of an exposition text (rabbitmq_* only; a histogram's le left out). */
export function familiesOf(text) {
  const out = {};
  const family = (name) => (out[name] ??= { type: "untyped", help: "", labels: [] });
  const base = (series) => series.replace(/_(bucket|sum|count)$/, "");
  for (const line of text.split("\n")) {
    let m;
    if ((m = /^# TYPE (\S+) (\S+)/.exec(line))) family(m[1]).type = m[2];
    else if ((m = /^# HELP (\S+) ?(.*)$/.exec(line))) family(m[1]).help = m[2];
    else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$/.exec(line))) {
      const name = out[m[1]] !== undefined ? m[1] : base(m[1]);
      const f = family(name);
      for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_]+)="/g)) if (l[1] !== "le" && !f.labels.includes(l[1])) f.labels.push(l[1]);
    }
  }
  for (const name of Object.keys(out)) if (!name.startsWith("rabbitmq_")) delete out[name];
  return out;
}

const c = await amqp.connect(values.amqp);
try {
  const ch = await c.createConfirmChannel();
  await ch.assertQueue(QUEUE, { durable: false });
  for (let i = 0; i < 5; i++) ch.sendToQueue(QUEUE, Buffer.alloc(200));
  await ch.waitForConfirms();
  const consumer = await c.createChannel();
  await consumer.prefetch(2);
  await consumer.consume(QUEUE, () => {});
  await new Promise((r) => setTimeout(r, 6000)); // RabbitMQ's stats are emitted every 5 s
  const get = async (path) => (await fetch(`${values.http}${path}`)).text();
  const version = /rabbitmq_version="([^"]+)"/.exec(await get("/metrics"))?.[1];
  const detailed = `?${FAMILIES.map((f) => `family=${f}`).join("&")}&vhost=/`;
  const ours = brokerEndpoints(new Broker(), { defaultMetrics: false });
  const record = { recordedFrom: `RabbitMQ ${version} with rabbitmq_prometheus` };
  for (const [path, registry] of [["/metrics", ours.metrics], ["/metrics/per-object", ours.perObject], ["/metrics/detailed", ours.detailed(FAMILIES, [])]]) {
    const theirs = familiesOf(await get(path === "/metrics/detailed" ? path + detailed : path));
    const names = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    record[path] = Object.fromEntries(Object.entries(theirs).filter(([name]) => names.has(name)));
    record[`${path} not in amqp-go`] = Object.keys(theirs).filter((name) => !names.has(name));
  }
  const file = new URL("../test/fixtures/rabbitmq-prometheus.json", import.meta.url);
  writeFileSync(file, `${JSON.stringify(record, null, 1)}\n`);
  console.log(`recorded ${["/metrics", "/metrics/per-object", "/metrics/detailed"].map((p) => `${p}: ${Object.keys(record[p]).length}`).join(", ")} into ${file.pathname}`);
  await ch.deleteQueue(QUEUE);
} finally {
  await c.close();
}

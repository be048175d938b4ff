// `node bench/scrape.mjs [--queues 1000] [--connections 50] [--scrapes 50]`: the time one scrape of
// /metrics, /metrics/per-object and /metrics/detailed takes over HTTP with that many queues (each
// with messages) and connections (two channels each, one consuming), and the size of each answer.
// Prints the median, the 90th percentile and the least of each over HTTP (wall time, which other
// load on the machine inflates), and the CPU time of rendering alone (process.cpuUsage).
import { Broker } from "@amqp-go/broker";
import amqp from "amqplib";
import { exposition } from "../dist/family.js";
import { brokerEndpoints, startMetricsServer } from "../dist/index.js";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return Number(i >= 0 ? process.argv[i + 1] : dflt);
};
const queues = arg("queues", 1000);
const connections = arg("connections", 50);
const scrapes = arg("scrapes", 50);

const broker = new Broker({ heartbeat: 0 });
const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
const endpoints = brokerEndpoints(broker);
const metrics = await startMetricsServer({ registry: endpoints, port: 0, host: "127.0.0.1" });
const url = `amqp://guest:guest@127.0.0.1:${port}`;
const clients = [];
for (let c = 0; c < connections; c++) {
  const conn = await amqp.connect(url);
  clients.push(conn);
  const ch = await conn.createChannel();
  const consumer = await conn.createChannel();
  for (let q = c; q < queues; q += connections) {
    await ch.assertQueue(`scrape-${q}`, { durable: false });
    for (let i = 0; i < 10; i++) ch.sendToQueue(`scrape-${q}`, Buffer.alloc(256));
  }
  if (c < queues) await consumer.consume(`scrape-${c}`, () => {}, { noAck: false });
}
await new Promise((r) => setTimeout(r, 200));

const paths = ["/metrics", "/metrics/per-object", "/metrics/detailed?family=queue_coarse_metrics&family=queue_metrics"];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
console.log(`${queues} queues, ${connections} connections, ${connections * 2} channels, ${scrapes} scrapes each`);
for (const path of paths) {
  const times = [];
  let size = 0;
  for (let i = 0; i < scrapes + 5; i++) {
    const t = process.hrtime.bigint();
    const text = await (await fetch(`http://127.0.0.1:${metrics.port}${path}`)).text();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (i >= 5) times.push(ms); // the first ones warm up
    size = text.length;
  }
  console.log(`${path}: median ${pct(times, 0.5).toFixed(2)} ms, p90 ${pct(times, 0.9).toFixed(2)} ms, min ${pct(times, 0).toFixed(2)} ms, ${(size / 1024).toFixed(0)} KiB`);
}
const registries = [endpoints.metrics, endpoints.perObject, endpoints.detailed(["queue_coarse_metrics", "queue_metrics"], [])];
for (let i = 0; i < paths.length; i++) {
  const cpu = [];
  for (let n = 0; n < scrapes + 5; n++) {
    const before = process.cpuUsage();
    await exposition(registries[i]);
    const used = process.cpuUsage(before);
    if (n >= 5) cpu.push((used.user + used.system) / 1000);
  }
  console.log(`${paths[i]}: rendering alone, CPU median ${pct(cpu, 0.5).toFixed(2)} ms, least ${pct(cpu, 0).toFixed(2)} ms`);
}
for (const c of clients) await c.close();
await metrics.close();
await broker.close();

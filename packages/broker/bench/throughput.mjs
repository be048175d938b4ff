// `pnpm bench` in packages/broker: 1 publisher and 1 consumer (amqplib, each on its own connection),
// 256-byte transient messages, prefetch 1000, one ack per message, through the real server over
// loopback. Prints consumed msg/s at full speed, then latency percentiles at a fixed rate.
//   node bench/throughput.mjs [--url amqp://...] [--compare amqp://...] [--seconds 10] [--rate 10000]
// Without --url it starts our broker in a child process; --compare runs the same load against a
// second broker (RabbitMQ, see shared/rabbitmq.md) in the same run and prints the ratio.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import amqp from "amqplib";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const SECONDS = Number(arg("seconds", "10"));
const RATE = Number(arg("rate", "10000"));
const SIZE = 256;
const NO_DELAY = !process.argv.includes("--nagle");

async function startOurs() {
  const child = spawn(process.execPath, [new URL("./server.mjs", import.meta.url).pathname], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = await once(child.stdout, "data");
  const { port } = JSON.parse(line.toString());
  return { url: `amqp://guest:guest@127.0.0.1:${port}`, child };
}

/** Runs publisher and consumer for `seconds`; `rate` 0 is as fast as possible. */
async function run(url, seconds, rate) {
  // amqplib leaves Nagle's algorithm on unless asked; the Java, .NET and pika clients turn it off.
  const pc = await amqp.connect(url, { noDelay: NO_DELAY });
  const cc = await amqp.connect(url, { noDelay: NO_DELAY });
  const pch = await pc.createChannel();
  const cch = await cc.createChannel();
  const { queue } = await cch.assertQueue("", { exclusive: false, autoDelete: true });
  await cch.prefetch(1000);
  let consumed = 0;
  let counting = false;
  const latencies = [];
  await cch.consume(queue, (m) => {
    if (m === null) return;
    if (counting) {
      consumed++;
      if (rate > 0) latencies.push(performance.now() - m.content.readDoubleLE(0));
    }
    cch.ack(m);
  });
  const body = Buffer.alloc(SIZE, 0x61);
  let stop = false;
  const publishing = (async () => {
    const start = performance.now();
    let sent = 0;
    while (!stop) {
      if (rate > 0) {
        const due = ((performance.now() - start) / 1000) * rate;
        if (sent >= due) {
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
      }
      body.writeDoubleLE(performance.now(), 0);
      sent++;
      if (!pch.sendToQueue(queue, body)) await once(pch, "drain");
      else if (sent % 500 === 0) await new Promise((r) => setImmediate(r));
    }
  })();
  await new Promise((r) => setTimeout(r, 2000)); // warm-up
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  counting = false;
  const elapsed = (performance.now() - t0) / 1000;
  stop = true;
  await publishing;
  await pc.close();
  await cc.close();
  latencies.sort((a, b) => a - b);
  const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : NaN);
  return { msgPerSec: consumed / elapsed, p50: pct(50), p99: pct(99) };
}

async function measure(label, url) {
  const full = await run(url, SECONDS, 0);
  const fixed = await run(url, Math.min(SECONDS, 5), RATE);
  console.log(
    `${label.padEnd(10)} consumed ${Math.round(full.msgPerSec).toLocaleString("en")} msg/s | at ${RATE.toLocaleString("en")} msg/s: p50 ${fixed.p50.toFixed(2)} ms, p99 ${fixed.p99.toFixed(2)} ms (${Math.round(fixed.msgPerSec)} msg/s consumed)`,
  );
  return full.msgPerSec;
}

let ours;
let url = arg("url");
if (url === undefined) {
  ours = await startOurs();
  url = ours.url;
}
if (process.argv.includes("--latency-only")) {
  for (const r of [1000, 5000, 10000, 20000]) {
    const x = await run(url, 3, r);
    console.log(`rate ${r}: p50 ${x.p50.toFixed(2)} ms p99 ${x.p99.toFixed(2)} ms`);
  }
  ours?.child.kill("SIGTERM");
  process.exit(0);
}
const a = await measure("amqp-go", url);
const compare = arg("compare");
if (compare !== undefined) {
  const b = await measure("compare", compare);
  console.log(`ratio amqp-go / compare: ${(a / b).toFixed(2)}x`);
}
ours?.child.kill("SIGTERM");

// `pnpm bench` in packages/broker: 1 publisher and 1 consumer (amqplib, each on its own connection),
// 256-byte transient messages, prefetch 1000, one ack per message, through the real server over
// loopback. Prints consumed msg/s at full speed, then latency percentiles at a fixed rate.
//   node bench/throughput.mjs [--url amqp://...] [--compare amqp://...] [--seconds 10] [--rate 10000]
// Without --url it starts our broker in a child process; --compare runs the same load against a
// second broker (RabbitMQ, see shared/rabbitmq.md) in the same run and prints the ratio.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import amqp from "amqplib";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const SECONDS = Number(arg("seconds", "10"));
const RATE = Number(arg("rate", "10000"));
const SIZE = 256;
const NO_DELAY = !process.argv.includes("--nagle");
const SPLIT = process.argv.includes("--split") || (!isMainThread && true);

async function startOurs() {
  const child = spawn(process.execPath, [new URL("./server.mjs", import.meta.url).pathname], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = await once(child.stdout, "data");
  const { port } = JSON.parse(line.toString());
  return { url: `amqp://guest:guest@127.0.0.1:${port}`, child };
}

/** The publisher, alone in a worker thread with --split (one amqplib process saturates one core). */
async function publisher(url, queue, rate, signal) {
  const pc = await amqp.connect(url, { noDelay: NO_DELAY });
  const pch = await pc.createChannel();
  const body = Buffer.alloc(SIZE, 0x61);
  const start = performance.now();
  let sent = 0;
  while (!signal.stop) {
    if (rate > 0) {
      const due = ((performance.now() - start) / 1000) * rate;
      if (sent >= due) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
    }
    body.writeDoubleLE(performance.timeOrigin + performance.now(), 0);
    sent++;
    if (!pch.sendToQueue(queue, body)) await once(pch, "drain");
    else if (sent % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  await pc.close();
}

if (!isMainThread) {
  const signal = { stop: false };
  parentPort.on("message", () => (signal.stop = true));
  await publisher(workerData.url, workerData.queue, workerData.rate, signal);
  parentPort.postMessage("done");
  parentPort.close();
}

/** CPU seconds (user + system) a process has used so far, from /proc; NaN when unknown. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Runs publisher and consumer for `seconds`; `rate` 0 is as fast as possible. */
async function run(url, seconds, rate, pid) {
  // amqplib leaves Nagle's algorithm on unless asked; the Java, .NET and pika clients turn it off.
  const cc = await amqp.connect(url, { noDelay: NO_DELAY });
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
      if (rate > 0) latencies.push(performance.timeOrigin + performance.now() - m.content.readDoubleLE(0));
    }
    cch.ack(m);
  });
  const signal = { stop: false };
  let publishing;
  if (SPLIT) {
    const worker = new Worker(new URL(import.meta.url), { workerData: { url, queue, rate } });
    publishing = new Promise((resolve) => worker.on("message", resolve)).then(() => worker.terminate());
    signal.stopWorker = () => worker.postMessage("stop");
  } else publishing = publisher(url, queue, rate, signal);
  await new Promise((r) => setTimeout(r, 2000)); // warm-up
  counting = true;
  const t0 = performance.now();
  const cpu0 = cpuSeconds(pid);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  counting = false;
  const cpu = cpuSeconds(pid) - cpu0;
  const elapsed = (performance.now() - t0) / 1000;
  signal.stop = true;
  signal.stopWorker?.();
  await publishing;
  await cc.close();
  latencies.sort((a, b) => a - b);
  const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : NaN);
  return { msgPerSec: consumed / elapsed, p50: pct(50), p99: pct(99), cpuUsPerMsg: (cpu * 1e6) / consumed, cpuShare: cpu / elapsed };
}

async function measure(label, url, pid) {
  const full = await run(url, SECONDS, 0, pid);
  const fixed = await run(url, Math.min(SECONDS, 5), RATE, pid);
  console.log(
    `${label.padEnd(10)} consumed ${Math.round(full.msgPerSec).toLocaleString("en")} msg/s (broker at ${Math.round(full.cpuShare * 100)}% CPU) | ` +
      `at ${RATE.toLocaleString("en")} msg/s: p50 ${fixed.p50.toFixed(2)} ms, p99 ${fixed.p99.toFixed(2)} ms, ` +
      `broker CPU ${fixed.cpuUsPerMsg.toFixed(1)} us/msg`,
  );
  return full;
}

if (isMainThread) {
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
const a = await measure("amqp-go", url, ours?.child.pid ?? arg("pid"));
const compare = arg("compare");
if (compare !== undefined) {
  // The other broker's process: --compare-pid, or RabbitMQ's Erlang VM.
  let pid = arg("compare-pid");
  if (pid === undefined) {
    try {
      pid = execFileSync("pgrep", ["-f", "beam.smp"]).toString().trim().split("\n")[0];
    } catch {}
  }
  const b = await measure("compare", compare, pid);
  console.log(
    `ratio amqp-go / compare: ${(a.msgPerSec / b.msgPerSec).toFixed(2)}x consumed msg/s`,
  );
}
ours?.child.kill("SIGTERM");
  process.exit(0);
}

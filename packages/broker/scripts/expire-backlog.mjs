// Expiring a backlog on disk (issue 12): the server binary as its own process (apps/server,
// built), a durable queue with x-message-ttl TTL ms, N persistent SIZE-byte messages published with
// confirms (window 5000) and no consumer. Durable queues keep only storage.queueMemoryBytes (16 MiB)
// of their newest messages in memory, so the backlog is on disk. TTL is longer than the publishing,
// so all N are in the queue when the first one's deadline comes; then the broker expires them at
// the head as their deadlines pass. Prints when the queue was empty, from the first and from the
// last message's deadline (the broker keeps up when the latter is near 0), and the broker's peak
// RSS (VmHWM) after publishing and at the end.
//   --dlx        dead-letter them to a second durable queue (fanout exchange expire-backlog.dlx):
//                empty means the source at 0 and the dead-letter queue at N
//   --restart    stop the broker (SIGTERM) once published, start it again after the last deadline:
//                the whole backlog expires at start, read from disk; timed from the start
//   node packages/broker/scripts/expire-backlog.mjs [--messages 1000000] [--size 256] [--ttl 30000]
//        [--dlx] [--restart] [--dir /tmp/expire-backlog] [--server apps/server/dist/main.js]
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

// amqplib is a dependency of apps/bench (and of the broker's tests), not of the broker's runtime.
const require = createRequire(fileURLToPath(new URL("../package.json", import.meta.url)));
const amqp = require("amqplib");

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg("messages", "1000000"));
const SIZE = Number(arg("size", "256"));
const TTL = Number(arg("ttl", "30000"));
const DIR = arg("dir", "/tmp/expire-backlog");
const SERVER = arg("server", fileURLToPath(new URL("../../../apps/server/dist/main.js", import.meta.url)));
const DLX = process.argv.includes("--dlx");
const RESTART = process.argv.includes("--restart");
const WINDOW = 5000;
const QUEUE = "expire-backlog";
const DLQ = "expire-backlog-dlq";
const EXCHANGE = "expire-backlog.dlx";
const POLL_MS = 50;

const fmt = (n) => Math.round(n).toLocaleString("en-US");
const mib = (kib) => `${fmt(kib / 1024)} MiB`;
/** VmHWM and VmRSS of a live process, KiB. */
const mem = (pid) => {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  return { hwm: Number(/VmHWM:\s+(\d+)/.exec(s)[1]), rss: Number(/VmRSS:\s+(\d+)/.exec(s)[1]) };
};

async function start() {
  const args = [SERVER, "--port", "0", "--host", "127.0.0.1", "--data-dir", DIR, "--metrics-port", "0", "--heartbeat", "0", "--log-level", "info"];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  for await (const line of createInterface({ input: child.stdout })) {
    let j;
    try {
      j = JSON.parse(line);
    } catch {
      continue;
    }
    if (j.msg === "listening" && typeof j.port === "number") {
      child.stdout.resume();
      return { child, url: `amqp://guest:guest@127.0.0.1:${j.port}`, t0, listeningMs: performance.now() - t0 };
    }
  }
  throw new Error("the server exited before listening");
}

async function stop(b) {
  b.child.kill("SIGTERM");
  await once(b.child, "exit");
}

async function declare(ch) {
  const args = { "x-message-ttl": { "!": "long", value: TTL } };
  if (DLX) {
    await ch.assertExchange(EXCHANGE, "fanout", { durable: true });
    await ch.assertQueue(DLQ, { durable: true });
    await ch.bindQueue(DLQ, EXCHANGE, "");
    args["x-dead-letter-exchange"] = EXCHANGE;
  }
  await ch.assertQueue(QUEUE, { durable: true, arguments: args });
}

/** Publishes N with confirms; returns the times of the first and the last publish (performance.now()). */
async function publish(ch) {
  const body = Buffer.alloc(SIZE, 0x61);
  let sent = 0;
  let confirmed = 0;
  let first = 0;
  let last = 0;
  await new Promise((resolve, reject) => {
    const onConfirm = (err) => {
      if (err) return reject(err);
      if (++confirmed === N) resolve();
      else if (sent - confirmed === WINDOW / 2) pump();
    };
    const pump = () => {
      while (sent < N && sent - confirmed < WINDOW) {
        if (sent === 0) first = performance.now();
        sent++;
        ch.sendToQueue(QUEUE, body, { persistent: true }, onConfirm);
        if (sent === N) last = performance.now();
      }
    };
    pump();
  });
  return { first, last, confirmedAt: performance.now() };
}

/** Polls until the source queue is empty (and, with --dlx, the dead-letter queue holds N). */
async function untilExpired(ch, pid) {
  let peakRss = 0;
  for (;;) {
    const left = (await ch.checkQueue(QUEUE)).messageCount;
    const dead = DLX ? (await ch.checkQueue(DLQ)).messageCount : N;
    peakRss = Math.max(peakRss, mem(pid).rss);
    if (left === 0 && dead >= N) return { at: performance.now(), dead: DLX ? dead : null, peakRss };
    await sleep(POLL_MS);
  }
}

rmSync(DIR, { recursive: true, force: true });
let b = await start();
let conn = await amqp.connect(b.url, { noDelay: true });
const ch = await conn.createConfirmChannel();
await declare(ch);
const p = await publish(ch);
const firstDeadline = p.first + TTL;
const lastDeadline = p.last + TTL;
const afterPublish = mem(b.child.pid);
console.log(
  `published ${fmt(N)} x ${SIZE} B persistent with confirms to durable ${QUEUE} (x-message-ttl ${fmt(TTL)} ms${DLX ? `, dead-lettered to durable ${DLQ}` : ""}) ` +
    `in ${((p.confirmedAt - p.first) / 1000).toFixed(1)} s: ${fmt(N / ((p.confirmedAt - p.first) / 1000))} msg/s; broker peak RSS ${mib(afterPublish.hwm)}`,
);
if (p.confirmedAt > firstDeadline) console.log(`  note: publishing outlasted the TTL: the first messages expired while others were still published`);

let timedFrom;
let watch;
if (RESTART) {
  await conn.close();
  await stop(b);
  const wait = lastDeadline - performance.now();
  console.log(`stopped the broker; starting it again ${(Math.max(0, wait) / 1000).toFixed(1)} s from now, after the last deadline`);
  if (wait > 0) await sleep(wait + 100);
  b = await start();
  timedFrom = b.t0;
  console.log(`restarted: listening after ${fmt(b.listeningMs)} ms, peak RSS so far ${mib(mem(b.child.pid).hwm)}`);
  conn = await amqp.connect(b.url, { noDelay: true });
  watch = await conn.createChannel();
} else {
  watch = await conn.createChannel();
  const wait = firstDeadline - performance.now();
  if (wait > 0) await sleep(wait);
  timedFrom = firstDeadline;
}
const countAtStart = (await watch.checkQueue(QUEUE)).messageCount;
const e = await untilExpired(watch, b.child.pid);
const end = mem(b.child.pid);
if (RESTART) {
  console.log(`expired ${fmt(N)} (${fmt(countAtStart)} in the queue when first asked) ${((e.at - timedFrom) / 1000).toFixed(2)} s after the broker was started: ${fmt(N / ((e.at - timedFrom) / 1000))} msg/s`);
} else {
  console.log(
    `expired ${fmt(N)} (${fmt(countAtStart)} in the queue at the first deadline): empty ${((e.at - firstDeadline) / 1000).toFixed(2)} s after the first deadline ` +
      `(${fmt(N / ((e.at - firstDeadline) / 1000))} msg/s), ${((e.at - lastDeadline) / 1000).toFixed(2)} s after the last (deadlines spread over ${((p.last - p.first) / 1000).toFixed(1)} s of publishing)`,
  );
}
if (DLX) console.log(`  ${DLQ} holds ${fmt(e.dead)}`);
console.log(`broker peak RSS (VmHWM) ${mib(end.hwm)}; highest RSS sampled while expiring ${mib(e.peakRss)}; RSS now ${mib(end.rss)}`);
await conn.close();
await stop(b);
rmSync(DIR, { recursive: true, force: true });

// The backlog benchmark: publish N persistent 256-byte messages to a durable queue with no
// consumer (publisher confirms, window 5000), restart the broker (a clean stop, or kill -9 with
// --kill), then drain the queue with one consumer. Prints publish and drain msg/s, the broker's
// peak RSS (VmHWM of each run), disk octets per message, and the recovery time and rate.
//   node bench/backlog.mjs [--messages 10000000] [--size 256] [--kill] [--dir /tmp/amqp-go-backlog]
import { spawn, execFileSync } from "node:child_process";
import { once } from "node:events";
import { readFileSync, rmSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import amqp from "amqplib";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg("messages", "10000000"));
const SIZE = Number(arg("size", "256"));
const DIR = arg("dir", "/tmp/amqp-go-backlog");
const KILL = process.argv.includes("--kill");
const WINDOW = 5000;
const QUEUE = "backlog";

async function start() {
  const t0 = performance.now();
  const child = spawn(process.execPath, [new URL("./server.mjs", import.meta.url).pathname], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, DATA_DIR: DIR },
  });
  const [line] = await once(createInterface({ input: child.stdout }), "line");
  const { port, recovery } = JSON.parse(line);
  return { child, url: `amqp://guest:guest@127.0.0.1:${port}`, startMs: performance.now() - t0, recovery };
}

/** Peak RSS of a live process, MiB. */
const peakRss = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
const du = () => Number(execFileSync("du", ["-sb", DIR], { encoding: "utf8" }).split("\t")[0]);
const fmt = (n) => Math.round(n).toLocaleString("en-US");

async function publish(url) {
  const c = await amqp.connect(url, { noDelay: true });
  const ch = await c.createConfirmChannel();
  await ch.assertQueue(QUEUE, { durable: true });
  const body = Buffer.alloc(SIZE, 0x61);
  let sent = 0;
  let confirmed = 0;
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const pump = () => {
      while (sent < N && sent - confirmed < WINDOW) {
        body.writeUInt32BE(sent, 0);
        sent++;
        ch.sendToQueue(QUEUE, body, { persistent: true }, (err) => {
          if (err) return reject(err);
          if (++confirmed === N) resolve();
          else if (sent - confirmed < WINDOW / 2) pump();
        });
      }
    };
    pump();
  });
  const s = (performance.now() - t0) / 1000;
  await c.close();
  return { s, rate: N / s };
}

async function drain(url) {
  const c = await amqp.connect(url, { noDelay: true });
  const ch = await c.createChannel();
  const { messageCount } = await ch.checkQueue(QUEUE);
  await ch.prefetch(1000);
  let got = 0;
  let disorder = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    ch.consume(QUEUE, (m) => {
      if (m.content.readUInt32BE(0) !== got) disorder++;
      got++;
      ch.ack(m);
      if (got === N) resolve();
    });
  });
  const s = (performance.now() - t0) / 1000;
  const left = (await ch.checkQueue(QUEUE)).messageCount;
  await c.close();
  return { s, rate: N / s, messageCount, disorder, left };
}

rmSync(DIR, { recursive: true, force: true });
const a = await start();
const pub = await publish(a.url);
const rssPublish = peakRss(a.child.pid);
const bytes = du();
console.log(`published ${fmt(N)} x ${SIZE} B persistent with confirms in ${pub.s.toFixed(1)} s: ${fmt(pub.rate)} msg/s; broker peak RSS ${fmt(rssPublish)} MiB`);
console.log(`data dir ${fmt(bytes)} octets: ${(bytes / N).toFixed(1)} octets per message`);
a.child.kill(KILL ? "SIGKILL" : "SIGTERM");
await once(a.child, "exit");
const b = await start();
const r = b.recovery;
console.log(
  `restart after ${KILL ? "kill -9" : "a clean stop"}: listening after ${fmt(b.startMs)} ms (recovery ${fmt(r.durationMs)} ms: ${fmt(r.messages)} messages, ` +
    `${fmt(r.messages / (r.durationMs / 1000))} msg/s; ${fmt(r.replayed)} replayed from the log); peak RSS ${fmt(peakRss(b.child.pid))} MiB`,
);
const d = await drain(b.url);
console.log(
  `drained ${fmt(N)} (queue said ${fmt(d.messageCount)}) in ${d.s.toFixed(1)} s: ${fmt(d.rate)} msg/s; out of order ${d.disorder}, left ${d.left}; ` +
    `broker peak RSS ${fmt(peakRss(b.child.pid))} MiB`,
);
b.child.kill("SIGTERM");
await once(b.child, "exit");
rmSync(DIR, { recursive: true, force: true });

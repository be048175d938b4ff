// Thousands of durable queues (issue 18): declares N durable queues each bound to amq.direct, with
// a raw client pipelining 200 declare+bind pairs at a time, then restarts the broker (kill -9) and
// deletes them. Reports time, worst event-loop stall and peak RSS (measured inside the broker
// process), open file descriptors, restart time to /readyz, deletion time; and the same against
// RabbitMQ (RABBITMQ=127.0.0.1:5690, management API on RABBITMQ_HTTP=127.0.0.1:15680) in the same run.
//
//   node bench/many-queues.bench.mjs            # N=10000; RABBITMQ=off to skip RabbitMQ
//   N=2000 CPU_PROF=1 node bench/many-queues.bench.mjs   # profiles (--cpu-prof) into bench/profiles
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MethodId } from "@amqp-go/protocol";
import { RawClient, declareAndBindFrames, deleteFrames, extraBindingFrames } from "./raw-client.mjs";

const N = Number(process.env.N ?? 10_000);
const WINDOW = Number(process.env.WINDOW ?? 200);
/** Bindings per queue beyond the first (BINDINGS=10: 100,000 bindings for 10,000 queues, for the restart). */
const EXTRA_BINDINGS = Number(process.env.BINDINGS ?? 1) - 1;
const RABBITMQ = process.env.RABBITMQ ?? "127.0.0.1:5690";
const RABBITMQ_HTTP = process.env.RABBITMQ_HTTP ?? "127.0.0.1:15680";
const here = fileURLToPath(new URL(".", import.meta.url));
const names = Array.from({ length: N }, (_, i) => `many-queues-${i}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startBroker(dataDir) {
  const execArgv = process.env.CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${join(here, "profiles")}`] : [];
  const child = fork(join(here, "many-queues-server.mjs"), [], { env: { ...process.env, DATA_DIR: dataDir }, execArgv, stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const next = (key) => new Promise((resolve) => {
    const on = (m) => {
      if (key in m) {
        child.off("message", on);
        resolve(m[key]);
      }
    };
    child.on("message", on);
  });
  const t0 = performance.now();
  return new Promise((resolve) => {
    child.once("message", async (m) => {
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${m.httpPort}/readyz`).catch(() => null);
        if (res?.status === 200) break;
        await sleep(20);
      }
      const readyMs = performance.now() - t0;
      resolve({
        child,
        port: m.port,
        readyMs,
        stats: () => (child.send("stats"), next("stats")),
        reset: () => (child.send("reset"), next("reset")),
        kill: () => new Promise((r) => (child.once("exit", r), child.kill("SIGKILL"))),
        stop: () => new Promise((r) => (child.once("exit", r), child.kill("SIGTERM"))),
      });
    });
  });
}

async function declareAll(port, host) {
  const c = await RawClient.open(port, host);
  const frames = declareAndBindFrames(names);
  const t0 = performance.now();
  await c.pipeline(frames, MethodId.QueueBindOk, WINDOW);
  const ms = performance.now() - t0;
  if (EXTRA_BINDINGS > 0) await c.pipeline(extraBindingFrames(names, EXTRA_BINDINGS), MethodId.QueueBindOk, Math.max(1, Math.floor(WINDOW / EXTRA_BINDINGS)), EXTRA_BINDINGS);
  c.close();
  return ms;
}

async function deleteAll(port, host) {
  const c = await RawClient.open(port, host);
  const t0 = performance.now();
  await c.pipeline(deleteFrames(names), MethodId.QueueDeleteOk, WINDOW);
  const ms = performance.now() - t0;
  c.close();
  return ms;
}

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function ours() {
  const dataDir = mkdtempSync(join(tmpdir(), "many-queues-bench-"));
  try {
    let b = await startBroker(dataDir);
    await b.reset();
    const declareMs = await declareAll(b.port);
    const afterDeclare = await b.stats();
    // (a profile is written on a clean exit only)
    await (process.env.CPU_PROF ? b.stop() : b.kill());
    b = await startBroker(dataDir);
    const restartMs = b.readyMs;
    const afterRestart = await b.stats();
    await b.reset();
    const deleteMs = await deleteAll(b.port);
    const afterDelete = await b.stats();
    await b.stop();
    return { declare: s(declareMs), perSecond: Math.round((N / declareMs) * 1000), worstStallMs: Math.max(afterDeclare.worstStallMs, afterDelete.worstStallMs), declareStallMs: afterDeclare.worstStallMs, peakRssMB: afterDeclare.peakRssMB, fds: afterDeclare.fds, restart: s(restartMs), fdsAfterRestart: afterRestart.fds, rssAfterRestartMB: afterRestart.rssMB, delete: s(deleteMs), deleteStallMs: afterDelete.worstStallMs };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function node() {
  const res = await fetch(`http://${RABBITMQ_HTTP}/api/nodes`, { headers: { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}` } });
  const [n] = await res.json();
  return { memMB: Math.round(n.mem_used / 2 ** 20), fds: n.fd_used };
}

async function rabbitmq() {
  const [host, port] = RABBITMQ.split(":");
  let peak = 0;
  let fds = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const n = await node().catch(() => null);
      if (n !== null) {
        peak = Math.max(peak, n.memMB);
        fds = Math.max(fds, n.fds);
      }
      await sleep(250);
    }
  })();
  try {
    const before = await node();
    const declareMs = await declareAll(Number(port), host);
    const deleteMs = await deleteAll(Number(port), host);
    return { declare: s(declareMs), perSecond: Math.round((N / declareMs) * 1000), worstStallMs: "n/a", peakRssMB: `${peak} (mem_used, ${before.memMB} before)`, fds, restart: "n/a (not restarted)", delete: s(deleteMs) };
  } finally {
    sampling = false;
    await sampler;
  }
}

console.log(`${N} durable queues, each bound to amq.direct${EXTRA_BINDINGS > 0 ? ` (then ${EXTRA_BINDINGS} more bindings each, not timed)` : ""}, ${WINDOW} declare+bind pairs in flight`);
const result = { ours: await ours() };
if (RABBITMQ !== "off") result.rabbitmq = await rabbitmq().catch((e) => ({ error: e.message }));
console.table(result);
console.log(JSON.stringify(result));

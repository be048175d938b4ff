// What something beside the load costs the broker at saturation, shared by bench/overhead.mjs (the
// API and per-object metrics polled) and test/management-ui/bench/ui-overhead.mjs (a browser on the
// web UI). The real server binary (apps/server) runs in its own process; amqp-bench's raw generator
// (apps/bench: lean, so the broker and not the client is the limit) runs 1 publisher and 1
// consumer, 256 B, prefetch 1000, at full speed. Rounds alternate without and with the extra load,
// and print consumed msg/s and the broker's CPU per consumed message, their medians and the ratio.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import amqp from "amqplib";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const serverMain = join(root, "apps/server/dist/main.js");
const benchMain = join(root, "apps/bench/dist/main.js");
const TICKS = 100; // clock ticks per second of /proc/<pid>/stat (USER_HZ)

/** `--name value` from the command line, or `dflt`. */
export const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** utime + stime of a process, in seconds. */
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
};

const output = (cmd, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(" ")} exited ${code}`))));
  });

/**
 * `--broker-cpus 0`: the server runs on those CPUs only (taskset), so that what runs beside it (the
 * generator, a browser: start the script itself with `taskset -c 1`) does not take its core on a
 * small machine and the figures show what the broker itself spends.
 */
const brokerCpus = arg("broker-cpus", "");

/**
 * Starts amqp-server on free ports (management off when `management` is false) with `queues` idle
 * transient queues declared; resolves once they are.
 */
export async function startServer({ management = true, queues = 0 } = {}) {
  const [port, metricsPort, managementPort] = [await freePort(), await freePort(), management ? await freePort() : 0];
  const dataDir = mkdtempSync(join(tmpdir(), "amqp-go-saturation-"));
  const args = ["--port", port, "--metrics-port", metricsPort, "--management-port", managementPort, "--data-dir", dataDir, "--log-level", "warn"];
  const command = [process.execPath, serverMain, ...args.map(String)];
  if (brokerCpus !== "") command.unshift("taskset", "-c", brokerCpus);
  const child = spawn(command[0], command.slice(1), { stdio: ["ignore", "ignore", "inherit"] });
  for (let i = 0; ; i++) {
    try {
      const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`, { noDelay: true });
      const ch = await c.createChannel();
      for (let q = 0; q < queues; q++) ch.assertQueue(`idle-${q}`, { durable: false });
      await ch.assertQueue("idle-last", { durable: false });
      await c.close();
      break;
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const stop = () => new Promise((r) => child.once("exit", r).kill("SIGTERM")).then(() => rmSync(dataDir, { recursive: true, force: true }));
  return { child, port, metricsPort, managementPort, stop };
}

/**
 * `--rate N`: the generator publishes N msg/s instead of as fast as it can. On a 2-core machine the
 * generator at full speed needs more CPU than the broker (about 7% of a core per 10k msg/s), so
 * consumed msg/s there says as much about the generator's share of the cores as about the broker;
 * at a fixed rate the broker's CPU per message is what the extra load costs it.
 */
const rate = arg("rate", "0");

/** The generator against `server` for `seconds`: consumed msg/s and broker µs per message. */
export async function saturate(server, seconds) {
  const before = cpuSeconds(server.child.pid);
  const uri = `amqp://guest:guest@127.0.0.1:${server.port}`;
  const out = await output(process.execPath, [benchMain, "--uri", uri, "--producers", "1", "--consumers", "1", "--size", "256", "--prefetch", "1000", "--rate", rate, "--duration", String(seconds), "--json"]);
  const cpu = cpuSeconds(server.child.pid) - before;
  const r = JSON.parse(out);
  if (!r.ok) throw new Error(`bench run failed: ${r.errors.join("; ")}`);
  return { consumed: r.rates.consumed, cpuUs: (cpu / r.consumed) * 1e6 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * `rounds` alternating pairs of `round(false)` and `round(true)` (each resolving to saturate()'s
 * figures, plus a `note` for the line), printed as they come, then the medians and their ratio.
 */
export async function alternate(rounds, what, round) {
  const on = [];
  const off = [];
  for (let i = 0; i < rounds; i++) {
    off.push(await round(false));
    on.push(await round(true));
    const [a, b] = [off.at(-1), on.at(-1)];
    console.log(`round ${i + 1}: without ${a.consumed} msg/s ${a.cpuUs.toFixed(2)} us/msg | with ${what} (${b.note ?? ""}) ${b.consumed} msg/s ${b.cpuUs.toFixed(2)} us/msg`);
  }
  const [a, b] = [median(on.map((r) => r.consumed)), median(off.map((r) => r.consumed))];
  const [ca, cb] = [median(on.map((r) => r.cpuUs)), median(off.map((r) => r.cpuUs))];
  console.log(`median consumed msg/s at saturation: with ${what} ${a}, without ${b}: ${((a / b - 1) * 100).toFixed(1)}%`);
  console.log(`median broker CPU per consumed message: with ${ca.toFixed(2)} us, without ${cb.toFixed(2)} us: ${((ca / cb - 1) * 100).toFixed(1)}%`);
}

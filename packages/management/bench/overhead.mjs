// `pnpm bench` in packages/management: what the management API and per-object metrics cost at
// saturation. The real server binary (apps/server) holds 1,000 idle queues; amqp-bench's raw
// generator (apps/bench: lean, so the broker and not the client is the limit) runs 1 publisher and
// 1 consumer, 256 B, prefetch 1000, at full speed. Rounds alternate between
//   without: --management-port 0, nothing scraped;
//   with:    the API on, GET /api/queues (every queue) and /api/overview every second, and
//            /metrics/per-object (or /metrics where it is absent) scraped every second;
// and print consumed msg/s and broker CPU per consumed message for each, medians and the ratio.
// Usage: node bench/overhead.mjs [--rounds 3] [--seconds 8] [--queues 1000]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import amqp from "amqplib";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const ROUNDS = Number(arg("rounds", "3"));
const SECONDS = arg("seconds", "8");
const QUEUES = Number(arg("queues", "1000"));
const root = fileURLToPath(new URL("../../../", import.meta.url));
const serverMain = join(root, "apps/server/dist/main.js");
const benchMain = join(root, "apps/bench/dist/main.js");
const auth = { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}` };
const TICKS = 100; // clock ticks per second of /proc/<pid>/stat (USER_HZ)

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

const run = (cmd, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(" ")} exited ${code}`))));
  });

async function startServer(management) {
  const [port, metricsPort, managementPort] = [await freePort(), await freePort(), management ? await freePort() : 0];
  const dataDir = mkdtempSync(join(tmpdir(), "amqp-go-overhead-"));
  const child = spawn(process.execPath, [serverMain, "--port", port, "--metrics-port", metricsPort, "--management-port", managementPort, "--data-dir", dataDir, "--log-level", "warn"].map(String), {
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; ; i++) {
    try {
      const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`, { noDelay: true });
      const ch = await c.createChannel();
      for (let q = 0; q < QUEUES; q++) ch.assertQueue(`idle-${q}`, { durable: false });
      await ch.assertQueue("idle-last", { durable: false });
      await c.close();
      break;
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { child, port, metricsPort, managementPort, stop: () => new Promise((r) => child.once("exit", r).kill("SIGTERM")).then(() => rmSync(dataDir, { recursive: true, force: true })) };
}

async function round(management) {
  const server = await startServer(management);
  let polls = 0;
  let scrapeUrl = `http://127.0.0.1:${server.metricsPort}/metrics/per-object`;
  const get = (url) => fetch(url, { headers: auth }).then(async (r) => ({ status: r.status, body: await r.text() }));
  const poll = async () => {
    const api = `http://127.0.0.1:${server.managementPort}`;
    const [queues, , scrape] = await Promise.all([get(`${api}/api/queues`), get(`${api}/api/overview`), get(scrapeUrl)]);
    if (scrape.status === 404) scrapeUrl = `http://127.0.0.1:${server.metricsPort}/metrics`;
    if (queues.status !== 200) throw new Error(`/api/queues answered ${queues.status}`);
    polls++;
  };
  const poller = management ? setInterval(() => poll().catch((e) => console.error(e.message)), 1000) : undefined;
  const before = cpuSeconds(server.child.pid);
  const out = await run(process.execPath, [benchMain, "--uri", `amqp://guest:guest@127.0.0.1:${server.port}`, "--producers", "1", "--consumers", "1", "--size", "256", "--prefetch", "1000", "--duration", SECONDS, "--json"]);
  const cpu = cpuSeconds(server.child.pid) - before;
  clearInterval(poller);
  await server.stop();
  const r = JSON.parse(out);
  if (!r.ok) throw new Error(`bench run failed: ${r.errors.join("; ")}`);
  return { consumed: r.rates.consumed, published: r.rates.published, cpuUs: (cpu / r.consumed) * 1e6, polls, scrape: scrapeUrl.replace(/^.*\/metrics/, "/metrics") };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const on = [];
const off = [];
for (let i = 0; i < ROUNDS; i++) {
  off.push(await round(false));
  on.push(await round(true));
  const [a, b] = [off.at(-1), on.at(-1)];
  console.log(`round ${i + 1}: without ${a.consumed} msg/s ${a.cpuUs.toFixed(2)} us/msg | with (${b.polls} polls, ${b.scrape}) ${b.consumed} msg/s ${b.cpuUs.toFixed(2)} us/msg`);
}
const [a, b] = [median(on.map((r) => r.consumed)), median(off.map((r) => r.consumed))];
const [ca, cb] = [median(on.map((r) => r.cpuUs)), median(off.map((r) => r.cpuUs))];
console.log(`median consumed msg/s at saturation: with the API and metrics polled ${a}, without ${b}: ${((a / b - 1) * 100).toFixed(1)}%`);
console.log(`median broker CPU per consumed message: with ${ca.toFixed(2)} us, without ${cb.toFixed(2)} us: ${((ca / cb - 1) * 100).toFixed(1)}%`);

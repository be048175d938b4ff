// The broker's garbage collector with and without polling, at a fixed rate: amqp-server with
// --trace-gc (pinned to cpu 0), 1,000 idle queues, amqp-bench's raw generator at `rate` msg/s for
// `seconds`, and bench/poller.mjs polling `what` (all: /api/queues, /api/overview and
// /metrics/per-object; or one of them; nopoll: the API off, nothing polled). Prints consumed msg/s,
// the broker's CPU, and the scavenges and mark-compacts with their total pause time.
// Usage: pnpm build && taskset -c 1 node bench/gc-trace.mjs all|nopoll|/api/queues|... [rate] [seconds]
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import amqp from "amqplib";

const [what = "all", rate = "120000", seconds = "8"] = process.argv.slice(2);
const root = fileURLToPath(new URL("../../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "amqp-go-gc-trace-"));
const log = join(dir, "gc.log");
const port = 30000 + Math.floor(Math.random() * 5000);
const [metricsPort, managementPort] = [port + 1, port + 2];
const args = [join(root, "apps/server/dist/main.js"), "--port", port, "--metrics-port", metricsPort, "--management-port", what === "nopoll" ? 0 : managementPort, "--data-dir", join(dir, "data"), "--log-level", "warn"];
const broker = spawn("taskset", ["-c", "0", process.execPath, "--trace-gc", ...args.map(String)], { stdio: ["ignore", openSync(log, "w"), "inherit"] });
for (let i = 0; ; i++) {
  try {
    const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`);
    const ch = await c.createChannel();
    for (let q = 0; q < 1000; q++) ch.assertQueue(`idle-${q}`, { durable: false });
    await ch.assertQueue("idle-last", { durable: false });
    await c.close();
    break;
  } catch (e) {
    if (i > 100) throw e;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const ticks = () => { const f = readFileSync(`/proc/${broker.pid}/stat`, "utf8").split(") ")[1].split(" "); return Number(f[11]) + Number(f[12]); };
const poller = what === "nopoll" ? null : spawn(process.execPath, [fileURLToPath(new URL("./poller.mjs", import.meta.url)), String(managementPort), String(metricsPort)], { stdio: "ignore", env: { ...process.env, ONLY: what === "all" ? "" : what } });
const gcBefore = readFileSync(log, "utf8").split("\n").length;
const t0 = ticks();
const gen = spawn(process.execPath, [join(root, "apps/bench/dist/main.js"), "--uri", `amqp://guest:guest@127.0.0.1:${port}`, "--producers", "1", "--consumers", "1", "--size", "256", "--prefetch", "1000", "--rate", rate, "--duration", seconds, "--json"], { stdio: ["ignore", "pipe", "ignore"] });
let out = "";
gen.stdout.on("data", (d) => (out += d));
await new Promise((r) => gen.on("exit", r));
const cpu = (ticks() - t0) / 100;
const r = JSON.parse(out);
const pauses = { Scavenge: [0, 0], "Mark-Compact": [0, 0] };
for (const line of readFileSync(log, "utf8").split("\n").slice(gcBefore - 1)) {
  const m = / (Scavenge|Mark-Compact) .* MB, ([\d.]+) \//.exec(line);
  if (m !== null) pauses[m[1]][0]++, (pauses[m[1]][1] += Number(m[2]));
}
const [s, mc] = [pauses.Scavenge, pauses["Mark-Compact"]];
console.log(`${what}: consumed ${Math.round(r.rates.consumed)} msg/s, broker CPU ${((cpu * 1000) / Number(seconds)).toFixed(0)} ms/s (${((cpu / r.consumed) * 1e6).toFixed(2)} us/msg); ${s[0]} scavenges ${s[1].toFixed(0)} ms, ${mc[0]} mark-compacts ${mc[1].toFixed(0)} ms`);
poller?.kill();
await new Promise((r) => broker.once("exit", r).kill("SIGTERM"));
rmSync(dir, { recursive: true, force: true });

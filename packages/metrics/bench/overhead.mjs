// `pnpm bench` in packages/metrics: the 1-publisher/1-consumer load of packages/broker's benchmark
// against a broker with metrics enabled and scraped every second, and against one without, in
// alternating rounds of one run; prints consumed msg/s and broker CPU per message for each, and the
// ratio. Usage: node bench/overhead.mjs [--rounds 3] [--seconds 8] [--queues 0] [--path /metrics]
// (--queues N idle queues with a message each in both brokers; --path the endpoint scraped).
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const ROUNDS = Number(arg("rounds", "3"));
const SECONDS = arg("seconds", "8");
const QUEUES = arg("queues", "0");
const PATH = arg("path", "/metrics");
const load = fileURLToPath(new URL("../../broker/bench/throughput.mjs", import.meta.url));

async function round(metrics) {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./server.mjs", import.meta.url))], {
    env: { ...process.env, METRICS: metrics ? "1" : "0", QUEUES },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = await once(child.stdout, "data");
  const { port, metricsPort } = JSON.parse(line.toString());
  let scrapes = 0;
  const scraper = metrics
    ? setInterval(() => {
        fetch(`http://127.0.0.1:${metricsPort}${PATH}`).then((r) => r.text()).then(() => scrapes++, () => {});
      }, 1000)
    : undefined;
  const out = await new Promise((resolve, reject) =>
    execFile(process.execPath, [load, "--url", `amqp://guest:guest@127.0.0.1:${port}`, "--pid", String(child.pid), "--seconds", SECONDS, "--split"], (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    ),
  );
  clearInterval(scraper);
  child.kill("SIGTERM");
  const m = /consumed ([\d,]+) msg\/s .*broker CPU ([\d.]+) us\/msg/.exec(out);
  if (m === null) throw new Error(`unexpected output: ${out}`);
  return { msgPerSec: Number(m[1].replaceAll(",", "")), cpuUs: Number(m[2]), scrapes };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const on = [];
const off = [];
for (let i = 0; i < ROUNDS; i++) {
  off.push(await round(false));
  on.push(await round(true));
  console.log(`round ${i + 1}: without ${off.at(-1).msgPerSec} msg/s ${off.at(-1).cpuUs} us/msg | with (${on.at(-1).scrapes} scrapes) ${on.at(-1).msgPerSec} msg/s ${on.at(-1).cpuUs} us/msg`);
}
const a = median(on.map((r) => r.msgPerSec));
const b = median(off.map((r) => r.msgPerSec));
const ca = median(on.map((r) => r.cpuUs));
const cb = median(off.map((r) => r.cpuUs));
console.log(`median consumed msg/s: with metrics ${a}, without ${b}: ${((a / b - 1) * 100).toFixed(1)}%`);
console.log(`median broker CPU at 10k msg/s: with metrics ${ca} us/msg, without ${cb} us/msg: ${((ca / cb - 1) * 100).toFixed(1)}%`);

// What one browser open on the web UI's overview costs the broker at saturation (issue 14: at most
// 3% of consumed msg/s). The real server binary (apps/server, management port on in both rounds)
// and amqp-bench's generator (1 publisher, 1 consumer, 256 B, prefetch 1000, full speed); rounds
// alternate between
//   without: nobody on the management port;
//   with:    Debian's chromium (playwright-core) logged in on the overview, refreshing every 5 s
//            (the default), charts drawing;
// and print consumed msg/s and broker CPU per consumed message for each, medians and the ratio.
// Usage: pnpm build && node bench/ui-overhead.mjs [--rounds 3] [--seconds 10]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import amqp from "amqplib";
import { chromium } from "playwright-core";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const ROUNDS = Number(arg("rounds", "3"));
const SECONDS = arg("seconds", "10");
const root = fileURLToPath(new URL("../../../", import.meta.url));
const serverMain = join(root, "apps/server/dist/main.js");
const benchMain = join(root, "apps/bench/dist/main.js");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TICKS = 100; // USER_HZ

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const cpuSeconds = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / TICKS;
};
const run = (cmd, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(" ")} exited ${code}`))));
  });

async function startServer() {
  const [port, managementPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), "amqp-go-ui-overhead-"));
  const child = spawn(process.execPath, [serverMain, "--port", port, "--metrics-port", 0, "--management-port", managementPort, "--data-dir", dataDir, "--log-level", "warn"].map(String), { stdio: ["ignore", "ignore", "inherit"] });
  for (let i = 0; ; i++) {
    try {
      await (await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`)).close();
      break;
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { child, port, managementPort, stop: () => new Promise((r) => child.once("exit", r).kill("SIGTERM")).then(() => rmSync(dataDir, { recursive: true, force: true })) };
}

async function round(withBrowser) {
  const server = await startServer();
  let browser = null;
  let requests = 0;
  if (withBrowser) {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
    const page = await browser.newPage();
    page.on("request", (r) => r.url().includes("/api/") && requests++);
    await page.goto(`http://127.0.0.1:${server.managementPort}/`);
    await page.getByLabel("Username").fill("guest");
    await page.getByLabel("Password").fill("guest");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.locator(".chart canvas").first().waitFor();
  }
  const before = cpuSeconds(server.child.pid);
  const out = await run(process.execPath, [benchMain, "--uri", `amqp://guest:guest@127.0.0.1:${server.port}`, "--producers", "1", "--consumers", "1", "--size", "256", "--prefetch", "1000", "--duration", SECONDS, "--json"]);
  const cpu = cpuSeconds(server.child.pid) - before;
  await browser?.close();
  await server.stop();
  const r = JSON.parse(out);
  if (!r.ok) throw new Error(`bench run failed: ${r.errors.join("; ")}`);
  return { consumed: r.rates.consumed, cpuUs: (cpu / r.consumed) * 1e6, requests };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const on = [];
const off = [];
for (let i = 0; i < ROUNDS; i++) {
  off.push(await round(false));
  on.push(await round(true));
  const [a, b] = [off.at(-1), on.at(-1)];
  console.log(`round ${i + 1}: without ${a.consumed} msg/s ${a.cpuUs.toFixed(2)} us/msg | with a browser on the overview (${b.requests} API requests) ${b.consumed} msg/s ${b.cpuUs.toFixed(2)} us/msg`);
}
const [a, b] = [median(on.map((r) => r.consumed)), median(off.map((r) => r.consumed))];
const [ca, cb] = [median(on.map((r) => r.cpuUs)), median(off.map((r) => r.cpuUs))];
console.log(`median consumed msg/s at saturation: with a browser on the overview ${a}, without ${b}: ${((a / b - 1) * 100).toFixed(1)}%`);
console.log(`median broker CPU per consumed message: with ${ca.toFixed(2)} us, without ${cb.toFixed(2)} us: ${((ca / cb - 1) * 100).toFixed(1)}%`);

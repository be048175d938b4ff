// The broker of many-queues.bench.mjs, in a child process of its own: DATA_DIR holds its files;
// /readyz on HTTP_PORT answers 200 once its messages are recovered. Inside the process it watches
// its own event loop (a 5 ms timer: the worst drift is the worst stall) and its peak RSS (VmHWM),
// and answers the parent's "stats" and "reset" IPC messages.
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { PerformanceObserver } from "node:perf_hooks";
import { Broker } from "../dist/index.js";

const TICK = 5;
let worstStall = 0;
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  if (process.env.TRACE_STALLS && now - last - TICK > 40) console.error(`stall ${(now - last - TICK).toFixed(0)} ms`);
  worstStall = Math.max(worstStall, now - last - TICK);
  last = now;
}, TICK);

// the longest garbage collection pause, to tell a stall of the collector from one of our code
let worstGc = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    worstGc = Math.max(worstGc, e.duration);
    if (process.env.TRACE_STALLS && e.duration > 20) console.error(`gc ${e.detail?.kind} ${e.duration.toFixed(0)} ms`);
  }
}).observe({ entryTypes: ["gc"] });

const broker = new Broker({ heartbeat: 0, dataDir: process.env.DATA_DIR });
let ready = false;
broker.ready.then(() => (ready = true));
const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
const http = createServer((req, res) => {
  res.writeHead(req.url === "/readyz" && ready ? 200 : 503);
  res.end();
});
await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));

function stats() {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return { worstStallMs: Math.round(worstStall), worstGcMs: Math.round(worstGc), peakRssMB: Math.round(Number(hwm?.[1] ?? 0) / 1024), rssMB: Math.round(process.memoryUsage.rss() / 2 ** 20), fds: readdirSync("/proc/self/fd").length };
}

process.on("message", (m) => {
  if (m === "reset") {
    worstStall = 0;
    worstGc = 0;
    // VmHWM is reset by writing 5 to /proc/self/clear_refs
    try {
      import("node:fs").then((fs) => fs.writeFileSync("/proc/self/clear_refs", "5"));
    } catch {}
    process.send({ reset: true });
  } else if (m === "stats") process.send({ stats: stats() });
});
process.on("SIGTERM", () => broker.close().then(() => process.exit(0)));
process.send({ port, httpPort: http.address().port });

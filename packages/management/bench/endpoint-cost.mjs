// The broker CPU each polled endpoint costs: amqp-server (apps/server) with 1,000 idle queues, its
// CPU time (from /proc, Linux) over `--seconds` with nothing polled and with each endpoint polled
// once a second alone, plus the answer's size. Usage: pnpm build && node bench/endpoint-cost.mjs [--seconds 10]
import { readFileSync } from "node:fs";
import { arg, startServer } from "./saturation.mjs";

const SECONDS = Number(arg("seconds", "10"));
const server = await startServer({ management: true, queues: Number(arg("queues", "1000")) });
const ticks = () => { const f = readFileSync(`/proc/${server.child.pid}/stat`, "utf8").split(") ")[1].split(" "); return Number(f[11]) + Number(f[12]); };
const auth = { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}`, "accept-encoding": arg("accept-encoding", "identity") };
const urls = {
  "/api/queues": `http://127.0.0.1:${server.managementPort}/api/queues`,
  "/api/overview": `http://127.0.0.1:${server.managementPort}/api/overview`,
  "/metrics/per-object": `http://127.0.0.1:${server.metricsPort}/metrics/per-object`,
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
await sleep(1000);
try {
  for (const what of ["idle", ...Object.keys(urls), "idle", ...Object.keys(urls)]) {
    const t0 = ticks();
    let bytes = 0;
    for (let i = 0; i < SECONDS; i++) {
      if (what !== "idle") bytes = (await (await fetch(urls[what], { headers: auth })).arrayBuffer()).byteLength;
      await sleep(1000);
    }
    console.log(`${what}: broker CPU ${((ticks() - t0) * 10) / SECONDS} ms/s${what === "idle" ? "" : `, ${bytes} bytes an answer`}`);
  }
} finally {
  await server.stop();
}

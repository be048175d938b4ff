// The broker CPU one poll costs: a broker with 1,000 idle queues (bench/server.mjs), its CPU time
// (from /proc, Linux) over 10 s idle and over 10 s with GET /api/queues and /api/overview every
// second, twice each. At saturation the broker's thread is busy, so this share of a core is about
// what polling takes from consumed msg/s. Usage: node bench/poll-cost.mjs
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
const child = spawn(process.execPath, [new URL("./server.mjs", import.meta.url).pathname], { env: { ...process.env, MANAGEMENT: "1" }, stdio: ["ignore", "pipe", "inherit"] });
const [line] = await once(child.stdout, "data");
const { managementPort } = JSON.parse(line.toString());
const ticks = () => { const f = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" "); return Number(f[11]) + Number(f[12]); };
const auth = { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}` };
const get = (p) => fetch(`http://127.0.0.1:${managementPort}${p}`, { headers: auth }).then((r) => r.text());
await get("/api/queues"); await new Promise((r) => setTimeout(r, 1000));
for (const poll of [false, true, false, true]) {
  const t0 = ticks();
  for (let i = 0; i < 10; i++) {
    if (poll) await Promise.all([get("/api/queues"), get("/api/overview")]);
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(`${poll ? "polled every second" : "idle"}: broker CPU ${((ticks() - t0) * 10) / 10} ms/s`);
}
child.kill();

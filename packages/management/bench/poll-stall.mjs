// What one poll does to the broker's thread, deterministically (no load needed): a broker with
// 1,000 idle queues, the management API and the metrics endpoints in this process; for each
// endpoint, the longest the event loop was held (a setImmediate loop's longest gap) while the
// answer was made, its CPU time (process.cpuUsage) and the heap it allocated (run with a young
// generation large enough that no GC runs during a poll: node --max-semi-space-size=128).
// Usage: pnpm build && node --max-semi-space-size=128 bench/poll-stall.mjs [--polls 10]
import { UserDb, UsersAuthenticator } from "@amqp-go/auth";
import { Broker } from "@amqp-go/broker";
import { brokerEndpoints, startMetricsServer } from "../../metrics/dist/index.js"; // not a dependency of this package: the bench measures both
import { getHeapStatistics } from "node:v8";
import { MemoryUsers, startManagementServer } from "../dist/index.js";

const i = process.argv.indexOf("--polls");
const POLLS = i > 0 ? Number(process.argv[i + 1]) : 10;
const authenticator = new UsersAuthenticator({ db: UserDb.guestOnly() });
const broker = new Broker({ heartbeat: 0, authenticator });
const vhost = broker.vhosts.get("/");
for (let q = 0; q < 1000; q++) vhost.declareQueue({ name: `idle-${q}`, passive: false, durable: false, exclusive: false, autoDelete: false, arguments: {} }, {});
const m = await startManagementServer({ broker, users: new MemoryUsers(authenticator, broker), port: 0, host: "127.0.0.1" });
const metrics = await startMetricsServer({ registry: brokerEndpoints(broker), port: 0, host: "127.0.0.1" });
const auth = { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}` };
const endpoints = {
  "/api/queues": `http://127.0.0.1:${m.port}/api/queues`,
  "/api/overview": `http://127.0.0.1:${m.port}/api/overview`,
  "/metrics/per-object": `http://127.0.0.1:${metrics.port}/metrics/per-object`,
};
let longest = 0;
let spinning = true;
let last = performance.now();
const spin = () => {
  const now = performance.now();
  longest = Math.max(longest, now - last);
  last = now;
  if (spinning) setImmediate(spin);
};
for (const [name, url] of Object.entries(endpoints)) {
  const stalls = [];
  const cpu = [];
  const heap = [];
  let bytes = 0;
  for (let p = 0; p < POLLS + 2; p++) {
    global.gc?.();
    await new Promise((r) => setTimeout(r, 20));
    longest = 0;
    spinning = true;
    last = performance.now();
    setImmediate(spin);
    const h0 = getHeapStatistics().used_heap_size;
    const c0 = process.cpuUsage();
    bytes = (await (await fetch(url, { headers: auth })).arrayBuffer()).byteLength;
    const c = process.cpuUsage(c0);
    const h = getHeapStatistics().used_heap_size - h0;
    spinning = false;
    if (p < 2) continue; // warm-up
    stalls.push(longest);
    cpu.push((c.user + c.system) / 1000);
    heap.push(h / 1e6);
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1].toFixed(1);
  // the client (fetch) runs in this process too: its share is in the CPU and heap figures
  console.log(`${name}: ${bytes} bytes; longest hold of the event loop ${med(stalls)} ms (max ${Math.max(...stalls).toFixed(1)}), CPU ${med(cpu)} ms, heap ${med(heap)} MB a poll (medians of ${POLLS})`);
}
await m.close();
await metrics.close();
await broker.close();

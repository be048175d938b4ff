// The pollers of bench/overhead.mjs in a process of their own (run under `chrt --idle` with
// --idle-poller): GET /api/queues and /api/overview on the management port and /metrics/per-object
// on the metrics port, once a second, until killed; prints the number of polls on SIGTERM.
// ONLY=/api/queues (or a comma-separated list) polls those alone, to see what each costs.
// node:http with a keep-alive agent, the answer counted and dropped: it stands for a scraper on
// another machine, and on a 2-core machine it shares a core with the generator, so it should take
// as little of it as it can (measured side by side, load average 9: fetch 50 ms/s of that core,
// this 30 ms/s).
import { Agent, get as httpGet } from "node:http";

const [managementPort, metricsPort] = process.argv.slice(2).map(Number);
const authorization = `Basic ${Buffer.from("guest:guest").toString("base64")}`;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const get = (port, path) =>
  new Promise((resolve, reject) => {
    httpGet({ host: "127.0.0.1", port, path, agent, headers: { authorization } }, (res) => {
      let bytes = 0;
      res.on("data", (d) => (bytes += d.length));
      res.on("end", () => resolve([res.statusCode, bytes]));
      res.on("error", reject);
    }).on("error", reject);
  });
const only = process.env.ONLY ? process.env.ONLY.split(",") : null;
const polled = [[managementPort, "/api/queues"], [managementPort, "/api/overview"], [metricsPort, "/metrics/per-object"]].filter(([, p]) => only === null || only.includes(p));
let polls = 0;
setInterval(() => {
  Promise.all(polled.map(([port, path]) => get(port, path))).then(
    (answers) => {
      const bad = answers.find(([status, bytes]) => status !== 200 || bytes === 0);
      if (bad !== undefined) console.error(`a poll answered ${bad[0]}`);
      else polls++;
    },
    (e) => console.error(e.message),
  );
}, 1000);
process.on("SIGTERM", () => process.stdout.write(`${polls}\n`, () => process.exit(0)));

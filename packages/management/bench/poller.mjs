// The pollers of bench/overhead.mjs in a process of their own (run under `chrt --idle` with
// --idle-poller): GET /api/queues and /api/overview on the management port and /metrics/per-object
// on the metrics port, once a second, until killed; prints the number of polls on SIGTERM.
const [managementPort, metricsPort] = process.argv.slice(2).map(Number);
const auth = { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}` };
const get = (port, path) => fetch(`http://127.0.0.1:${port}${path}`, { headers: auth }).then(async (r) => [r.status, await r.arrayBuffer()]);
// ONLY=/api/queues (or a comma-separated list) polls those alone, to see what each costs
const only = process.env.ONLY ? process.env.ONLY.split(",") : null;
const polled = [[managementPort, "/api/queues"], [managementPort, "/api/overview"], [metricsPort, "/metrics/per-object"]].filter(([, p]) => only === null || only.includes(p));
let polls = 0;
setInterval(() => {
  Promise.all(polled.map(([port, path]) => get(port, path))).then(
    (answers) => {
      const bad = answers.find(([status]) => status !== 200);
      if (bad !== undefined) console.error(`a poll answered ${bad[0]}`);
      else polls++;
    },
    (e) => console.error(e.message),
  );
}, 1000);
process.on("SIGTERM", () => process.stdout.write(`${polls}\n`, () => process.exit(0)));

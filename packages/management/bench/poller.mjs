// The pollers of bench/overhead.mjs in a process of their own (run under `chrt --idle` with
// --idle-poller): GET /api/queues and /api/overview on the management port and /metrics/per-object
// on the metrics port, once a second, until killed; prints the number of polls on SIGTERM.
const [managementPort, metricsPort] = process.argv.slice(2).map(Number);
const auth = { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}` };
const get = (port, path) => fetch(`http://127.0.0.1:${port}${path}`, { headers: auth }).then(async (r) => [r.status, await r.arrayBuffer()]);
let polls = 0;
setInterval(() => {
  Promise.all([get(managementPort, "/api/queues"), get(managementPort, "/api/overview"), get(metricsPort, "/metrics/per-object")]).then(
    (answers) => {
      const bad = answers.find(([status]) => status !== 200);
      if (bad !== undefined) console.error(`a poll answered ${bad[0]}`);
      else polls++;
    },
    (e) => console.error(e.message),
  );
}, 1000);
process.on("SIGTERM", () => process.stdout.write(`${polls}\n`, () => process.exit(0)));

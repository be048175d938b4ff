// `pnpm bench` in packages/management: what the management API and per-object metrics cost at
// saturation (issue 13: at most 3% of consumed msg/s). The server holds 1,000 idle queues; rounds
// alternate (saturation.mjs) between
//   without: --management-port 0, nothing scraped;
//   with:    the API on, GET /api/queues (every queue) and /api/overview every second, and
//            /metrics/per-object scraped every second.
// Usage: pnpm build && [taskset -c 1] node bench/overhead.mjs [--rounds 3] [--seconds 8] [--queues 1000] [--broker-cpus 0]
import { alternate, arg, saturate, startServer } from "./saturation.mjs";

const ROUNDS = Number(arg("rounds", "3"));
const SECONDS = Number(arg("seconds", "8"));
const QUEUES = Number(arg("queues", "1000"));
const auth = { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}` };

async function round(polled) {
  const server = await startServer({ management: polled, queues: QUEUES });
  let polls = 0;
  const get = (port, path) => fetch(`http://127.0.0.1:${port}${path}`, { headers: auth }).then(async (r) => [r.status, await r.arrayBuffer()]);
  const poll = async () => {
    const answers = await Promise.all([get(server.managementPort, "/api/queues"), get(server.managementPort, "/api/overview"), get(server.metricsPort, "/metrics/per-object")]);
    const bad = answers.find(([status]) => status !== 200);
    if (bad !== undefined) throw new Error(`a poll answered ${bad[0]}`);
    polls++;
  };
  const poller = polled ? setInterval(() => poll().catch((e) => console.error(e.message)), 1000) : undefined;
  try {
    return { ...(await saturate(server, SECONDS)), note: `${polls} polls` };
  } finally {
    clearInterval(poller);
    await server.stop();
  }
}

await alternate(ROUNDS, `/api/queues, /api/overview and /metrics/per-object polled every second, ${QUEUES} queues`, round);

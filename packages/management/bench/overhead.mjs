// `pnpm bench` in packages/management: what the management API and per-object metrics cost at
// saturation (issue 13: at most 3% of consumed msg/s). The server holds 1,000 idle queues; rounds
// alternate (saturation.mjs) between
//   without: --management-port 0, nothing scraped;
//   with:    the API on, GET /api/queues (every queue) and /api/overview every second, and
//            /metrics/per-object scraped every second.
// Usage: pnpm build && [taskset -c 1] node bench/overhead.mjs [--rounds 3] [--seconds 8] [--queues 1000] [--broker-cpus 0] [--idle-poller]
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { alternate, arg, saturate, startServer } from "./saturation.mjs";

const ROUNDS = Number(arg("rounds", "3"));
const SECONDS = Number(arg("seconds", "8"));
const QUEUES = Number(arg("queues", "1000"));
const IDLE = process.argv.includes("--idle-poller");

/**
 * The pollers run in a process of their own (bench/poller.mjs); with `--idle-poller` under
 * SCHED_IDLE, so that on a 2-core machine the poller's own reading of 2 MB a second does not take
 * the generator's CPU: what is measured is what answering costs the broker, as with a scraper on
 * another machine.
 */
async function round(polled) {
  const server = await startServer({ management: polled, queues: QUEUES });
  let poller = null;
  let polls = "";
  if (polled) {
    const command = [process.execPath, fileURLToPath(new URL("./poller.mjs", import.meta.url)), String(server.managementPort), String(server.metricsPort)];
    if (IDLE) command.unshift("chrt", "--idle", "0");
    poller = spawn(command[0], command.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
    poller.stdout.on("data", (d) => (polls += d));
  }
  try {
    const figures = await saturate(server, SECONDS);
    if (poller !== null) await new Promise((r) => poller.once("close", r).kill("SIGTERM"));
    return { ...figures, note: polled ? `${polls.trim()} polls` : "" };
  } finally {
    if (poller !== null && poller.exitCode === null) poller.kill("SIGKILL");
    await server.stop();
  }
}

await alternate(ROUNDS, `/api/queues, /api/overview and /metrics/per-object polled every second, ${QUEUES} queues`, round);

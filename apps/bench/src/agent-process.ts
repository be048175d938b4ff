/**
 * Entry of an agent process, forked by the coordinator (`--procs N` forks N of them, since one
 * Node process running amqplib saturates a core near 70-110k msg/s). It speaks over the IPC
 * channel and exits once stopped, on a fatal error, or when the coordinator goes away.
 */
import type { FromAgent, ToAgent } from "./agent-messages.js";
import { Agent } from "./agent.js";

const send = (m: FromAgent): void => {
  if (!process.connected) return;
  process.send?.(m, undefined, undefined, () => {
    if (m.type === "stopped" || m.type === "fatal") process.exit(m.type === "fatal" ? 1 : 0);
  });
};
const agent = new Agent(send);
process.on("message", (m: ToAgent) => agent.handle(m));
process.on("disconnect", () => process.exit(1));

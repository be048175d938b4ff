/**
 * The coordinator's side of one agent process: sends commands, keeps its latest counters, hands
 * latency reports on, and turns a fatal report or an unexpected exit into one failure callback.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { AgentPlan, Counters, FromAgent, ToAgent } from "./agent-messages.js";
import { zeroCounters } from "./agent-messages.js";

const AGENT = fileURLToPath(new URL("./agent-process.js", import.meta.url));

type Reply = Exclude<FromAgent["type"], "fatal">;

export class AgentHandle {
  private readonly child: ChildProcess;
  /** Callers waiting for each kind of reply, oldest first (IPC keeps the order). */
  private readonly waiters = new Map<Reply, ((m: FromAgent) => void)[]>();
  private stopped = false;
  counters: Counters = zeroCounters();

  constructor(
    readonly plan: AgentPlan,
    onLatency: (encoded: string | null) => void,
    onFailure: (message: string) => void,
  ) {
    // Structured-clone IPC keeps Infinity (an unbounded producer) as it is.
    this.child = fork(AGENT, [], { serialization: "advanced", execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.child.on("message", (m: FromAgent) => {
      if (m.type === "fatal") return onFailure(m.message);
      if (m.type !== "ready" && m.type !== "consuming") this.counters = m.counters;
      if (m.type === "report" || m.type === "stopped") onLatency(m.latency);
      if (m.type === "stopped") this.stopped = true;
      this.waiters.get(m.type)?.shift()?.(m);
    });
    this.child.on("exit", (code, signal) => {
      // A last IPC message (the agent's "fatal" or "stopped") can arrive just after "exit": give it
      // a moment, so that the failure reported is the agent's own reason when it gave one.
      setTimeout(() => {
        if (!this.stopped) onFailure(`load process ${plan.index} exited unexpectedly (${signal ?? `code ${code}`})`);
      }, 200).unref();
    });
    this.child.on("error", (err) => onFailure(`load process ${plan.index}: ${err.message}`));
  }

  send(m: ToAgent): void {
    if (this.child.connected) this.child.send(m);
  }

  /** Sends `m` and resolves with the agent's `reply`. */
  ask(m: ToAgent, reply: Reply): Promise<FromAgent> {
    const answer = new Promise<FromAgent>((resolve) => {
      const queue = this.waiters.get(reply);
      if (queue === undefined) this.waiters.set(reply, [resolve]);
      else queue.push(resolve);
    });
    this.send(m);
    return answer;
  }

  /** Ends the process whatever state it is in (after a failure). */
  kill(): void {
    this.stopped = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

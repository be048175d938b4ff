/**
 * The load process: runs its share of producers and consumers, each on its own connection, with the
 * client the plan names (raw or amqplib), and reports to the coordinator. Any connection or channel
 * the broker closes, or the network drops, is fatal: the agent says why and the coordinator aborts
 * the run.
 */
import type { AgentPlan, Counters, FromAgent, ToAgent } from "./agent-messages.js";
import { zeroCounters } from "./agent-messages.js";
import { openAmqplibClients } from "./amqplib-clients.js";
import type { AgentContext, LoadSet } from "./clients.js";
import { messageOf } from "./errors.js";
import { encode, newHistogram } from "./latency.js";
import { openRawClients } from "./raw/clients.js";

const CLOSE_TIMEOUT_MS = 5000;

export class Agent {
  private readonly counters: Counters = zeroCounters();
  private readonly latency = newHistogram();
  private readonly clients: LoadSet = { producers: [], consumers: [], closers: [] };
  private warmup = 0;
  /** CPU milliseconds used when publishing began: the run's own cost is counted from there. */
  private cpuAtPublish = -1;
  private closing = false;
  private failed = false;

  constructor(private readonly send: (m: FromAgent) => void) {}

  handle(m: ToAgent): void {
    const step = this.step(m);
    step.catch((err: unknown) => this.fatal(messageOf(err)));
  }

  private async step(m: ToAgent): Promise<void> {
    switch (m.type) {
      case "start":
        this.warmup = m.plan.settings.warmup;
        await this.connect(m.plan);
        this.send({ type: "ready" });
        return;
      case "consume":
        await Promise.all(this.clients.consumers.map((c) => c.start()));
        this.send({ type: "consuming" });
        return;
      case "publish":
        this.cpuAtPublish = cpuMs();
        for (const c of this.clients.consumers) c.warmUp(this.warmup);
        for (const p of this.clients.producers) p.start();
        await Promise.all(this.clients.producers.map((p) => p.done));
        this.send({ type: "published", counters: this.snapshot() });
        return;
      case "stop-publishing":
        for (const p of this.clients.producers) p.stop();
        return;
      case "poll":
        this.send({ type: "report", counters: this.snapshot(), latency: m.latency ? this.takeLatency() : null });
        return;
      case "stop":
        await this.stop();
        return;
    }
  }

  private async connect(plan: AgentPlan): Promise<void> {
    const ctx: AgentContext = {
      counters: this.counters,
      latency: this.latency,
      fatal: (message) => this.fatal(message),
      closing: () => this.closing,
    };
    const open = plan.settings.client === "raw" ? openRawClients : openAmqplibClients;
    await open(plan, ctx, this.clients);
  }

  private snapshot(): Counters {
    const cpu = cpuMs();
    return { ...this.counters, cpuMs: cpu, runCpuMs: this.cpuAtPublish < 0 ? 0 : cpu - this.cpuAtPublish };
  }

  private takeLatency(): string | null {
    const encoded = encode(this.latency);
    this.latency.reset();
    return encoded;
  }

  private async stop(): Promise<void> {
    for (const p of this.clients.producers) p.stop();
    for (const c of this.clients.consumers) c.flushAcks();
    this.closing = true;
    const closing = Promise.allSettled(this.clients.closers.map((close) => close()));
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())]);
    this.send({ type: "stopped", counters: this.snapshot(), latency: this.takeLatency() });
  }

  private fatal(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.send({ type: "fatal", message });
  }
}

/** CPU milliseconds (user + system) this process has used. */
function cpuMs(): number {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
}

/**
 * The load process: runs its share of producers and consumers, each on its own amqplib connection
 * (TCP_NODELAY on, as the Java, .NET and pika clients do; with Nagle on, amqplib adds ~10 ms), and
 * reports to the coordinator. Any connection or channel the broker closes, or the network drops,
 * is fatal: the agent says why and the coordinator aborts the run.
 */
import amqp, { type Channel, type ChannelModel } from "amqplib";
import type { AgentPlan, Counters, FromAgent, ToAgent } from "./agent-messages.js";
import { zeroCounters } from "./agent-messages.js";
import { Consumer } from "./consumer.js";
import { lostConnection, messageOf } from "./errors.js";
import { encode, newHistogram } from "./latency.js";
import { Producer } from "./producer.js";

const CLOSE_TIMEOUT_MS = 5000;

export class Agent {
  private readonly counters: Counters = zeroCounters();
  private readonly latency = newHistogram();
  private readonly connections: ChannelModel[] = [];
  private readonly producers: Producer[] = [];
  private readonly consumers: Consumer[] = [];
  private warmup = 0;
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
        await Promise.all(this.consumers.map((c) => c.start()));
        this.send({ type: "consuming" });
        return;
      case "publish":
        for (const c of this.consumers) c.warmUp(this.warmup);
        for (const p of this.producers) p.start();
        await Promise.all(this.producers.map((p) => p.done));
        this.send({ type: "published", counters: this.snapshot() });
        return;
      case "stop-publishing":
        for (const p of this.producers) p.stop();
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
    const s = plan.settings;
    const open = async (role: string): Promise<ChannelModel> => {
      let conn: ChannelModel;
      try {
        conn = await amqp.connect(plan.uri, { noDelay: true, clientProperties: { connection_name: `amqp-bench ${role}` } });
      } catch (err) {
        throw new Error(`${role}: cannot connect: ${messageOf(err)}`);
      }
      this.connections.push(conn);
      let lastError: unknown;
      conn.on("error", (err: unknown) => {
        lastError = err;
      });
      conn.on("close", (err: unknown) => {
        if (this.closing) return;
        const why = err ?? lastError;
        this.fatal(lostConnection(role, why));
      });
      conn.on("blocked", () => {
        this.counters.blocked++;
      });
      return conn;
    };
    const watch = (ch: Channel, role: string): Channel => {
      ch.on("error", (err: unknown) => {
        if (!this.closing) this.fatal(`${role}: the broker closed its channel: ${messageOf(err)}`);
      });
      return ch;
    };
    // Connections open one after another: twenty at once can trip a broker's handshake timeout on a busy machine.
    for (const p of plan.producers) {
      const role = `producer ${p.id}`;
      const conn = await open(role);
      const ch = watch(s.confirm > 0 ? await conn.createConfirmChannel() : await conn.createChannel(), role);
      this.producers.push(new Producer(ch, p, s, this.counters));
    }
    for (const c of plan.consumers) {
      const role = `consumer ${c.id}`;
      const conn = await open(role);
      const ch = watch(await conn.createChannel(), role);
      this.consumers.push(new Consumer(ch, c, s, this.counters, this.latency, (message) => this.fatal(message)));
    }
  }

  private snapshot(): Counters {
    const cpu = process.cpuUsage();
    return { ...this.counters, cpuMs: (cpu.user + cpu.system) / 1000 };
  }

  private takeLatency(): string | null {
    const encoded = encode(this.latency);
    this.latency.reset();
    return encoded;
  }

  private async stop(): Promise<void> {
    for (const p of this.producers) p.stop();
    for (const c of this.consumers) c.flushAcks();
    this.closing = true;
    const closing = Promise.allSettled(this.connections.map((c) => c.close()));
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())]);
    this.send({ type: "stopped", counters: this.snapshot(), latency: this.takeLatency() });
  }

  private fatal(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.send({ type: "fatal", message });
  }
}

/**
 * One scenario on one broker: declare the topology, fork the load processes, drive the phases,
 * print a progress line each second, and build the result. Phases:
 *
 *   normal:  consumers subscribe → producers publish for --duration or --messages → producers
 *            stop, confirms settle → wait until consumers received every routed message
 *   backlog: producers publish --messages with no consumer → wait until the queues hold them →
 *            consumers subscribe and drain; the drain alone is timed for the consumed rate
 *
 * Any lost connection (a load process reports it), an agent that dies, or the admin connection
 * closing aborts the run at once with a RunError that says which and why.
 */
import { setTimeout as sleep } from "node:timers/promises";
import amqp, { type ChannelModel } from "amqplib";
import { AgentHandle } from "./agent-handle.js";
import type { AgentPlan, ConsumerPlan, Counters, ProducerPlan } from "./agent-messages.js";
import { zeroCounters } from "./agent-messages.js";
import { nowMs } from "./clock.js";
import { lostConnection, messageOf, RunError } from "./errors.js";
import { addEncoded, newHistogram, percentilesMs } from "./latency.js";
import type { BenchOptions } from "./options.js";
import { progressLine } from "./report.js";
import { addCounters, type AtStop, type BrokerIdentity, type SteadyRates, buildResult, type RunResult } from "./result.js";
import { consumerQueue, deadLetteredCount, declare, producerTarget, readyCount, remove, topologyOf } from "./topology.js";
import { maskUri } from "./uri.js";

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const POLL_MS = 25;
/** Seconds from the first publish before per-second rates count as steady (socket buffers fill first). */
const STEADY_AFTER_S = 2;


export interface RunOutput {
  /** One line of progress or summary text. */
  line(text: string): void;
}

/** Splits producers and consumers over `procs` load processes, round-robin, producers first. */
export function plans(o: BenchOptions, uri: string): AgentPlan[] {
  const t = topologyOf(o);
  const settings = {
    client: o.client,
    size: o.size,
    rate: o.rate,
    confirm: o.confirm,
    persistent: o.persistent,
    priorityLevels: o.priorityLevels,
    prefetch: o.prefetch,
    multiAck: o.multiAck,
    autoack: o.autoack,
    warmup: o.warmup,
  };
  const n = Math.max(1, Math.min(o.procs, o.producers + o.consumers));
  const producers: ProducerPlan[][] = Array.from({ length: n }, () => []);
  const consumers: ConsumerPlan[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < o.producers; i++) {
    const messages = o.messages > 0 ? Math.floor(o.messages / o.producers) + (i < o.messages % o.producers ? 1 : 0) : Number.POSITIVE_INFINITY;
    producers[i % n]!.push({ id: i, target: producerTarget(o, t, i), messages });
  }
  for (let i = 0; i < o.consumers; i++) consumers[(o.producers + i) % n]!.push({ id: i, queue: consumerQueue(t, i) });
  return producers.map((p, index) => ({ index, uri, settings, producers: p, consumers: consumers[index]! }));
}

function identity(conn: ChannelModel): BrokerIdentity {
  const p = conn.connection.serverProperties as Record<string, unknown>;
  const str = (v: unknown): string => (typeof v === "string" ? v : Buffer.isBuffer(v) ? v.toString() : "");
  return { product: str(p.product), version: str(p.version), platform: str(p.platform) };
}

export async function runScenario(o: BenchOptions, uri: string, out: RunOutput, label: string): Promise<RunResult> {
  const where = maskUri(uri);
  const cpu0 = process.cpuUsage();
  const cpuAtStart = (cpu0.user + cpu0.system) / 1000;
  const t = topologyOf(o);
  let fail!: (err: RunError) => void;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {});
  let failure: RunError | undefined;
  const abort = (message: string): void => {
    if (failure !== undefined) return;
    const elapsed = publishStart === 0 ? "" : `, ${((nowMs() - publishStart) / 1000).toFixed(1)} s into the run`;
    failure = new RunError(`${where}: ${message}${elapsed}; run aborted`);
    fail(failure);
  };
  const guard = <T>(p: Promise<T>): Promise<T> => Promise.race([p, failed]);
  const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
    guard(Promise.race([p, sleep(ms, undefined, { ref: false }).then(() => Promise.reject(new RunError(`${where}: ${what} within ${ms / 1000} s`)))]));

  let admin: ChannelModel;
  try {
    admin = await amqp.connect(uri, { noDelay: true, clientProperties: { connection_name: "amqp-bench admin" } });
  } catch (err) {
    throw new RunError(`${where}: cannot connect: ${messageOf(err)}`);
  }
  let closing = false;
  let adminError: unknown;
  admin.on("error", (err: unknown) => {
    adminError = err;
  });
  admin.on("close", (err: unknown) => {
    if (!closing) abort(lostConnection("the admin connection", err ?? adminError));
  });
  const broker = identity(admin);
  const ch = await admin.createChannel();
  ch.on("error", (err: unknown) => abort(`the broker closed the admin channel: ${messageOf(err)}`));

  const interval = newHistogram();
  const total = newHistogram();
  const onLatency = (encoded: string | null): void => {
    addEncoded(interval, encoded);
    addEncoded(total, encoded);
  };
  let publishStart = 0;
  let consumeStart = 0;
  /** Messages in the dead-letter queue (--dead-letter-queue), read during the drain. */
  let deadLettered = 0;
  const agents: AgentHandle[] = [];
  let ticker: NodeJS.Timeout | undefined;
  const sum = (): Counters => agents.reduce((acc, a) => addCounters(acc, a.counters), zeroCounters());
  try {
    await within(declare(ch, o, t), START_TIMEOUT_MS, "declaring queues, exchange and bindings did not finish");
    for (const plan of plans(o, uri)) agents.push(new AgentHandle(plan, onLatency, abort));
    await within(Promise.all(agents.map((a) => a.ask({ type: "start", plan: a.plan }, "ready"))), START_TIMEOUT_MS, "the load processes did not connect");

    const subscribe = (): Promise<unknown> =>
      within(Promise.all(agents.map((a) => a.ask({ type: "consume" }, "consuming"))), START_TIMEOUT_MS, "consumers did not subscribe");
    if (!o.backlog) await subscribe();
    publishStart = nowMs();
    consumeStart = publishStart;
    const ownAtPublish = process.cpuUsage();
    let last = zeroCounters();
    let lastDeadLettered = 0;
    let lastAt = publishStart;
    // The watchdog: while messages are due (producers publishing, or deliveries outstanding), some
    // count must move within --stall-timeout, or the broker has stalled.
    let publishingDone = o.producers === 0;
    let movedAt = publishStart;
    // The counts once the first seconds (socket buffers filling) are past, for the steady rates.
    const steadyFrom = Math.max(STEADY_AFTER_S, o.warmup);
    let steadyStart: { at: number; published: number; consumed: number } | null = null;
    // Each second every agent is asked for its counters and latency, and the line is printed once all
    // answered: the figures of one line are of one moment.
    ticker = setInterval(() => {
      void Promise.all(agents.map((a) => a.ask({ type: "poll", latency: true }, "report"))).then(() => {
        const now = nowMs();
        const c = sum();
        const t = (now - publishStart) / 1000;
        const warming = (lastAt - publishStart) / 1000 < o.warmup; // the second began within the warm-up
        out.line(progressLine(label, t, c, last, (now - lastAt) / 1000, warming ? "warm-up" : percentilesMs(interval)));
        interval.reset();
        if (steadyStart === null && !publishingDone && t >= steadyFrom) steadyStart = { at: now, published: c.published, consumed: c.consumed };
        if (c.published !== last.published || c.confirmed !== last.confirmed || c.consumed !== last.consumed || deadLettered !== lastDeadLettered) movedAt = now;
        else if ((!publishingDone || c.consumed + deadLettered < c.routed) && now - movedAt > o.stallTimeout * 1000) {
          abort(`no message published, confirmed or consumed for ${o.stallTimeout} s (--stall-timeout): the broker stalled`);
        }
        last = c;
        lastDeadLettered = deadLettered;
        lastAt = now;
      });
    }, 1000);
    // Read together as the producers stop: what they sent, what the consumers received, what the
    // queues hold (passive declares, one after another: the first is of the stop).
    let atStop: AtStop | null = null;
    const snapshotAtStop = async (): Promise<AtStop> => {
      const [, queued] = await guard(Promise.all([Promise.all(agents.map((a) => a.ask({ type: "poll", latency: false }, "report"))), readyCount(ch, t)]));
      const c = sum();
      const now = nowMs();
      if (steadyStart !== null && now > steadyStart.at) {
        const per = (n: number): number => Math.round((n * 1000) / (now - steadyStart!.at));
        steady = { published: per(c.published - steadyStart.published), consumed: per(c.consumed - steadyStart.consumed), seconds: Math.round(now - steadyStart.at) / 1000 };
      }
      return { outstanding: Math.max(0, c.routed - c.consumed), queued };
    };
    let steady: SteadyRates | null = null;
    const published = Promise.all(agents.map((a) => a.ask({ type: "publish" }, "published")));
    if (o.duration > 0) {
      await guard(Promise.race([published, sleep(o.duration * 1000)]));
      for (const a of agents) a.send({ type: "stop-publishing" });
      // the poll follows stop-publishing on each agent's channel: its counts are of the stop
      if (!o.backlog) atStop = await snapshotAtStop();
      await within(published, o.stallTimeout * 1000, "producers did not finish (unconfirmed messages or a stalled connection)");
    } else {
      // Bounded by --messages: as long as it takes, the watchdog catches a stall.
      await guard(published);
    }
    publishingDone = true;
    if (o.backlog) {
      const routed = sum().routed;
      const deadline = nowMs() + o.stallTimeout * 1000;
      let ready = 0;
      while ((ready = await guard(readyCount(ch, t))) < routed) {
        if (nowMs() > deadline) throw new RunError(`${where}: the queues held ${ready} of ${routed} published messages within ${o.stallTimeout} s (--stall-timeout)`);
        await guard(sleep(POLL_MS));
      }
      out.line(`[${label}] backlog of ${ready.toLocaleString("en")} messages in place; draining`);
      consumeStart = nowMs();
      await subscribe();
    }
    // The drain: as long as deliveries keep coming (the watchdog ends a stall). What the queues
    // dead-letter (expired, dropped at a length limit) waits in the dead-letter queue, unconsumed.
    for (;;) {
      await guard(Promise.all(agents.map((a) => a.ask({ type: "poll", latency: false }, "report"))));
      const c = sum();
      if (c.consumed >= c.routed) break;
      if (t.deadLetter !== null && c.consumed + (deadLettered = await guard(deadLetteredCount(ch, t))) >= c.routed) break;
      await guard(sleep(POLL_MS));
    }
    clearInterval(ticker);
    await within(Promise.all(agents.map((a) => a.ask({ type: "stop" }, "stopped"))), STOP_TIMEOUT_MS, "the load processes did not stop");
    const end = nowMs();
    deadLettered = await within(deadLetteredCount(ch, t), STOP_TIMEOUT_MS, "reading the dead-letter queue did not finish");
    closing = true;
    await within(remove(ch, t), STOP_TIMEOUT_MS, "deleting the queues did not finish");
    await admin.close();
    const own = process.cpuUsage();
    const ownMs = (own.user + own.system) / 1000;
    const agentsSum = sum();
    const counters = {
      ...agentsSum,
      cpuMs: agentsSum.cpuMs + ownMs - cpuAtStart,
      runCpuMs: agentsSum.runCpuMs + ownMs - (ownAtPublish.user + ownAtPublish.system) / 1000,
    };
    return buildResult(o, where, broker, { ...counters, deadLettered }, { publishStart, consumeStart, end }, percentilesMs(total), total.totalCount, [], atStop, steady);
  } catch (err) {
    // The first failure says why; later ones (a timeout racing it) are its consequences.
    throw failure ?? err;
  } finally {
    clearInterval(ticker);
    for (const a of agents) a.kill();
    if (!closing) {
      closing = true;
      // Best effort: the broker may be gone.
      await Promise.race([remove(ch, t).then(() => admin.close()), sleep(2000)]).catch(() => {});
    }
  }
}

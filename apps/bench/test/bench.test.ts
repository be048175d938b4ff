/**
 * The bench against our real server (the built amqp-server, as a child process): a short run of
 * every shipped scenario finishes on time with matching counts and a complete JSON result; two
 * URIs give a ratio; the progress line is printed each second.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScenarios } from "../src/scenarios.js";
import { assertBuilt, lastJson, runBench, type Server, startServer } from "./helpers.js";

let server: Server;
beforeAll(async () => {
  assertBuilt();
  server = await startServer();
});
afterAll(() => server?.stop());

const SECONDS = 1;
/** Seconds a short run may take beyond its publishing time: process start-up, topology, drain. */
const SLACK = 12;

/** How many queues with a consumer each message reaches, per scenario (the fan). */
const FAN: Record<string, number> = { "fanout-20p20c": 20 };

function expectComplete(r: Record<string, unknown>): void {
  for (const key of ["published", "confirmed", "nacked", "consumed", "deadLettered", "expected", "ok", "errors", "rates", "latencyMs", "timed", "seconds", "broker", "options", "uri"]) {
    expect(r, `JSON field ${key}`).toHaveProperty(key);
  }
  for (const key of ["published", "confirmed", "consumed"]) expect(typeof (r.rates as Record<string, unknown>)[key]).toBe("number");
  for (const key of ["p50", "p95", "p99", "max"]) expect(typeof (r.latencyMs as Record<string, unknown>)[key]).toBe("number");
}

describe("every scenario, a short run against amqp-go", () => {
  const scenarios = loadScenarios();

  it.each(scenarios.map((s) => [s.name, s]))("%s", async (name, s) => {
    // The backlog scenario is bounded by its count: 20,000 instead of 1,000,000 here.
    // No warm-up in a 1 s run: every message is timed.
    const bound = s.options.backlog === true ? ["--messages", "20000"] : ["--duration", String(SECONDS), "--warmup", "0"];
    const run = await runBench(["--uri", server.uri, "--scenario", name, ...bound, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trimEnd().split("\n")).toHaveLength(1);
    const r = lastJson(run.stdout);
    expectComplete(r);
    expect(r.ok).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.scenario).toBe(name);
    expect(r.broker).toMatchObject({ product: "amqp-go" });
    const published = r.published as number;
    expect(published).toBeGreaterThan(0);
    // sent = confirmed = received, times the fan where one message reaches several queues.
    expect(r.expected).toBe(published * (FAN[name] ?? 1));
    // With a dead-letter queue, what expired waits there (ttl-50ms-dlx on a busy machine); else none.
    if (s.options["dead-letter-queue"] === undefined) expect(r.deadLettered).toBe(0);
    expect((r.consumed as number) + (r.deadLettered as number)).toBe(r.expected);
    if (s.options.confirm !== undefined) expect(r.confirmed).toBe(published);
    else expect(r.confirmed).toBe(0);
    if (s.options.backlog === true) expect(published).toBe(20_000);
    else expect((r.seconds as { publish: number }).publish).toBeLessThan(SECONDS + 1);
    // what was outstanding at the stop, and of it what the queues held; no steady rates in 1 s
    if (s.options.backlog === true) expect(r.atStop).toBeNull();
    else {
      const atStop = r.atStop as { outstanding: number; queued: number };
      expect(atStop.queued).toBeGreaterThanOrEqual(0);
      expect(atStop.outstanding).toBeLessThanOrEqual(r.expected as number);
    }
    expect(r.steadyRates).toBeNull();
    // On time: start-up, publishing, drain and clean-up all within the bound.
    expect(run.seconds).toBeLessThan((s.options.backlog === true ? 0 : SECONDS) + SLACK);
    expect(r.timed).toBe(r.consumed);
    if (s.options["priority-levels"] !== undefined) expect(r.options).toMatchObject({ priorityLevels: 10, queueArgs: { "x-max-priority": 10 } });
    const rates = r.rates as Record<string, number>;
    expect(rates.consumed).toBeGreaterThan(0);
    if (s.options.rate !== undefined) {
      // 20 producers at 200 msg/s: never above the rate over the time they published (a loaded machine
      // may deliver the stop late, 1.49 s seen, but not make a producer outrun its rate).
      const publishing = (r.seconds as { publish: number }).publish + 0.01;
      expect(published).toBeLessThanOrEqual((s.options.producers as number) * Math.floor((s.options.rate as number) * publishing + 1));
    }
  });
});

describe("output", () => {
  it("prints a progress line each second and a summary with the latency histogram", async () => {
    // 3 s for at least 2 progress lines: on a loaded machine the tick at the very end can miss.
    const run = await runBench(["--uri", server.uri, "--duration", "3", "--rate", "2000", "--multi-ack", "10"]);
    expect(run.code, run.stderr).toBe(0);
    const progress = run.stdout.split("\n").filter((l) => l.startsWith("[bench"));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatch(/^\[bench +1 s\] sent [\d,]+ msg\/s \| confirmed [\d,]+ msg\/s \| received [\d,]+ msg\/s \| latency p50 [\d.]+ ms, p99 [\d.]+ ms$/);
    expect(run.stdout).toMatch(/amqp-go \S+ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+\/?: 1 producer, 1 consumer, 1 queue, 256 B, transient, 2,000 msg\/s per producer, prefetch 1000, multi-ack 10, 3 s, raw client/);
    expect(run.stdout).toMatch(/ {2}published [\d,]+ in [\d.]+ s \([\d,]+ msg\/s\)/);
    expect(run.stdout).toMatch(/ {2}when publishing stopped: [\d,]+ not yet consumed \([\d.]+ s of traffic\), [\d,]+ of them ready in the broker's queues/);
    // 2,000 msg/s asked for: the steady rates (from 2 s to the stop) say so
    const steady = /steady rates \(the last [\d.]+ s of publishing\): published ([\d,]+) msg\/s, consumed ([\d,]+) msg\/s/.exec(run.stdout);
    expect(steady).not.toBeNull();
    for (const rate of [steady![1]!, steady![2]!]) expect(Math.abs(Number(rate.replace(/,/g, "")) - 2000)).toBeLessThan(500);
    expect(run.stdout).toMatch(/ {2}latency ms \(HDR\): p50 [\d.]+ {2}p75 .* p99 [\d.]+ .* max [\d.,]+ {2}mean [\d.]+/);
    expect(run.stdout).toContain("  errors: none");
  });

  it("--warmup leaves the first messages out of the latency figures, not out of the counts", async () => {
    const run = await runBench(["--uri", server.uri, "--duration", "2", "--warmup", "1", "--rate", "1000", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^\[bench +1 s\] .* \| latency \(warm-up\)$/m);
    const r = lastJson(run.stdout);
    expect(r.consumed).toBe(r.published);
    // About half the messages were sent in the first of the 2 seconds.
    // Loose bounds: on a loaded machine the rate is uneven.
    expect(r.timed as number).toBeGreaterThan((r.consumed as number) * 0.15);
    expect(r.timed as number).toBeLessThan((r.consumed as number) * 0.85);
  });

  it("--client amqplib runs the same checks on amqplib", async () => {
    const run = await runBench(["--uri", server.uri, "--client", "amqplib", "--duration", "1", "--confirm", "100", "--procs", "2", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const r = lastJson(run.stdout);
    expect(r.options).toMatchObject({ client: "amqplib" });
    expect(r.consumed).toBe(r.published);
    expect(r.confirmed).toBe(r.published);
  });

  it("reports the load generator's own CPU over the run, per 10k msg/s consumed", async () => {
    const run = await runBench(["--uri", server.uri, "--duration", "2", "--rate", "5000", "--procs", "2", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const r = lastJson(run.stdout) as { generator: { cpuSeconds: number; corePercentPer10k: number }; consumed: number; loadCpuSeconds: number };
    expect(r.generator.cpuSeconds).toBeGreaterThan(0);
    // Start-up (loading modules in three processes) is left out of the run's own cost.
    expect(r.generator.cpuSeconds).toBeLessThan(r.loadCpuSeconds);
    expect(r.generator.corePercentPer10k).toBeCloseTo((r.generator.cpuSeconds * 100 * 10_000) / r.consumed, 1);
    expect(run.stderr).toMatch(/^ {2}load generator: [\d.]+ CPU s over the run, [\d.]+% of a core per 10k msg\/s consumed$/m);
  });

  it("with two --uri runs both in turn and prints the ratio, in JSON too", async () => {
    const run = await runBench(["--uri", server.uri, "--uri", server.uri, "--duration", "1", "--autoack", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/ratio amqp:\/\/\S+ \/ amqp:\/\/\S+: consumed msg\/s [\d.]+x, published msg\/s [\d.]+x, p99 latency [\d.]+x/);
    const j = lastJson(run.stdout) as { runs: Record<string, unknown>[]; ratios: Record<string, unknown>[] };
    expect(j.runs).toHaveLength(2);
    for (const r of j.runs) {
      expectComplete(r);
      expect(r.consumed).toBe(r.published);
    }
    expect(j.ratios).toHaveLength(1);
    expect(typeof j.ratios[0]!.consumed).toBe("number");
  });

  it("a TTL shorter than the wait in the queue dead-letters to --dead-letter-queue, counted beside what was consumed", async () => {
    // Prefetch 1 keeps the consumer behind the producer: most messages wait more than 1 ms and expire.
    const args = ["--uri", server.uri, "--duration", "1", "--prefetch", "1", "--queue-args", '{"x-message-ttl":1,"x-dead-letter-exchange":"bench-test.dlx"}'];
    const run = await runBench([...args, "--dead-letter-queue", "bench-test-dlq"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('queue arguments x-message-ttl=1, x-dead-letter-exchange="bench-test.dlx", dead-letter queue bench-test-dlq');
    const dead = Number(/ {2}dead-lettered ([\d,]+) \(held in bench-test-dlq at the end\)/.exec(run.stdout)?.[1]?.replaceAll(",", ""));
    expect(dead).toBeGreaterThan(0);
    const consumed = Number(/ {2}consumed ([\d,]+) of/.exec(run.stdout)?.[1]?.replaceAll(",", ""));
    const published = Number(/ {2}published ([\d,]+) in/.exec(run.stdout)?.[1]?.replaceAll(",", ""));
    expect(consumed + dead).toBe(published);
    expect(run.stdout).toContain("  errors: none");
    // Without the dead-letter queue the expired messages are missing: the drain never completes and the watchdog ends the run.
    const lost = await runBench([...args, "--stall-timeout", "2", "--json"]);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toMatch(/no message published, confirmed or consumed for 2 s \(--stall-timeout\): the broker stalled/);
  });
});

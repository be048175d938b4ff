/**
 * Crash test: the built binary in a child process, two publishers sending persistent and
 * transient messages with confirms to three durable queues (two of them behind a fanout
 * exchange), two consumers acking two deliveries of three; `kill -9` at a random moment of the
 * traffic. After a restart on the same data directory every confirmed, unacknowledged persistent
 * message is there exactly once, flagged redelivered if it had been delivered (and not if its queue
 * never delivered anything), no transient one is, and no message whose
 * ack the broker processed more than an ack-flush interval (plus a margin) before the kill comes
 * back. Then the recovered messages are taken without an ack and the server is killed again: the
 * next start has exactly the same messages.
 *
 * Each round has its own data directory, kill point and storage settings; CRASH_SEED=<n> replays
 * the rounds' random choices (a failure's message names its seed).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { check, firstRunViolations, settledAcks } from "./crash-check.js";
import { declare, drain, QUEUES, random, runTraffic, type Drained, type QueueName } from "./crash-workload.js";
import { assertBuilt, type LogLine, type ServerProcess, spawnServer } from "./helpers.js";

beforeAll(assertBuilt);

const ACK_FLUSH_INTERVAL = 50;
/** An ack processed this long before the kill must have been flushed: the interval and a margin for a loaded machine. */
const ACK_WINDOW = 500;
const SEED = process.env["CRASH_SEED"] !== undefined ? Number(process.env["CRASH_SEED"]) : Math.floor(Math.random() * 1e9);

/** Storage settings per round: memory-only and disk backlogs, frequent and rare checkpoints, small segments. */
const ROUNDS = [
  { queueMemorySize: 0, checkpointInterval: 50, walBatchDelay: 0 },
  { queueMemorySize: 4096, checkpointInterval: 1000, walBatchDelay: 2 },
  { queueMemorySize: 16 * 1024 * 1024, checkpointInterval: 200, walBatchDelay: 0 },
  { queueMemorySize: 65_536, checkpointInterval: 100, walBatchDelay: 5 },
  { queueMemorySize: 1024, checkpointInterval: 20, walBatchDelay: 1 },
] as const;
/** Kill points spread over 700-2200 ms of traffic, one random point in each round's slice. */
const KILL_FROM = 700;
const KILL_SLICE = 300;

/** Servers of the current round still running, killed when it ends. */
const running = new Set<ServerProcess>();

async function start(dataDir: string, round: (typeof ROUNDS)[number]): Promise<{ server: ServerProcess; port: number; recovery: LogLine }> {
  const server = spawnServer(
    [
      "--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--data-dir", dataDir, "--log-level", "info",
      "--segment-size", "65536",
      "--queue-memory-size", String(round.queueMemorySize),
      "--checkpoint-interval", String(round.checkpointInterval),
      "--wal-batch-delay", String(round.walBatchDelay),
    ],
    { AMQP_STORAGE_ACK_FLUSH_INTERVAL: String(ACK_FLUSH_INTERVAL) },
  );
  running.add(server);
  const listening = await server.line((l) => l.msg === "listening", 15_000);
  const recovery = await server.line((l) => l.msg === "messages recovered");
  return { server, port: listening["port"] as number, recovery };
}

/** Waits for the end of a server sent SIGKILL: it must have died of it. */
async function killed(server: ServerProcess): Promise<void> {
  const exit = await server.exited;
  running.delete(server);
  expect(exit).toEqual({ code: null, signal: "SIGKILL", stderr: "" });
}

const idsOf = (queues: Map<QueueName, Drained[]>): Record<string, string[]> =>
  Object.fromEntries(QUEUES.map((q) => [q, (queues.get(q) ?? []).map((m) => m.id)]));

describe("kill -9 during traffic, then a restart", () => {
  ROUNDS.forEach((round, i) => {
    const seed = SEED + i;
    const killAfterMs = Math.round(KILL_FROM + (i + random(seed)()) * KILL_SLICE);
    const label = `round ${i} (CRASH_SEED=${SEED}, kill after ${killAfterMs} ms, ${JSON.stringify(round)})`;

    it(`round ${i}: queue memory ${round.queueMemorySize}, checkpoint every ${round.checkpointInterval} ms`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "amqp-crash-"));
      try {
        // First run: traffic, then kill -9.
        const first = await start(dataDir, round);
        expect(first.recovery, label).toMatchObject({ messages: 0 });
        await declare(first.port);
        const traffic = await runTraffic(first.port, seed, killAfterMs, ACK_WINDOW, () => first.server.child.kill("SIGKILL"));
        await killed(first.server);

        // The kill fell in the middle of the traffic.
        const { atKill } = traffic;
        expect(atKill.confirmed, `${label}: confirms before the kill`).toBeGreaterThan(0);
        expect(atKill.outstanding, `${label}: publishes outstanding at the kill`).toBeGreaterThan(0);
        expect(atKill.acks, `${label}: acks before the kill`).toBeGreaterThan(0);
        expect(atKill.held, `${label}: deliveries left unacked`).toBeGreaterThan(0);
        expect(settledAcks(traffic, ACK_WINDOW), `${label}: acks processed more than ${ACK_WINDOW} ms before the kill`).toBeGreaterThan(0);
        const published = [...traffic.published.values()];
        expect(published.filter((m) => m.nacked).map((m) => m.id), `${label}: nacked publishes`).toEqual([]);
        expect(published.filter((m) => m.confirmed && !m.persistent).length, `${label}: confirmed transient messages`).toBeGreaterThan(0);
        expect(firstRunViolations(traffic), `${label}: deliveries before the kill`).toEqual([]);

        // Restart: what came back.
        const second = await start(dataDir, round);
        expect(second.recovery, `${label}: recovery log line`).toMatchObject({ clean: false, queues: QUEUES.length });
        const recovered = await drain(second.port, false);
        const total = QUEUES.reduce((s, q) => s + (recovered.queues.get(q)?.length ?? 0), 0);
        const v = check(traffic, recovered.queues, ACK_WINDOW);
        expect(v.missing, `${label}: confirmed, unacked messages lost`).toEqual([]);
        expect(v.duplicated, `${label}: messages recovered twice`).toEqual([]);
        expect(v.ackedCameBack, `${label}: acked messages back`).toEqual([]);
        expect(v.deliveredNotFlagged, `${label}: delivered before the kill, back without redelivered`).toEqual([]);
        // crash-q2 has no consumer: never delivered, so below no delivery lease, so never flagged
        const flaggedUndelivered = (recovered.queues.get("crash-q2") ?? []).filter((m) => m.redelivered).map((m) => m.id);
        expect(flaggedUndelivered, `${label}: never delivered, back flagged redelivered`).toEqual([]);
        expect(v.transientCameBack, `${label}: transient messages back`).toEqual([]);
        expect(v.foreign, `${label}: messages in a queue they were not routed to`).toEqual([]);
        expect(v.altered, `${label}: body, delivery mode or headers changed`).toEqual([]);
        expect(v.outOfOrder, `${label}: one publisher's messages out of order`).toEqual([]);
        expect(second.recovery["messages"], `${label}: recovered count in the log`).toBe(total);

        // Kill again with every recovered message delivered and unacked: the next start has the same ones.
        second.server.child.kill("SIGKILL");
        await killed(second.server);
        const third = await start(dataDir, round);
        const again = await drain(third.port, true);
        expect(idsOf(again.queues), `${label}: messages after a second kill`).toEqual(idsOf(recovered.queues));
        const unflagged = [...again.queues.values()].flat().filter((m) => !m.redelivered).map((m) => m.id);
        expect(unflagged, `${label}: back without redelivered after the second kill`).toEqual([]);
        third.server.child.kill("SIGTERM");
        expect(await third.server.exited, label).toEqual({ code: 0, signal: null, stderr: "" });
        running.delete(third.server);
      } finally {
        for (const s of running) {
          s.child.kill("SIGKILL");
          await s.exited;
        }
        running.clear();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }, 30_000);
  });
});

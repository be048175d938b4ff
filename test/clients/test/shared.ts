/** What every client's test file shares: the broker for the file, and the burst-then-close check. */
import amqp from "amqplib";
import { afterAll, beforeAll, expect } from "vitest";
import { type Attempt, type BurstClient } from "../src/burst.js";
import { assertBuilt, burstScript, type ChildRun, runChild } from "../src/child.js";
import { startPika } from "../src/pika.js";
import { type ServerOptions, TestServer } from "../src/server.js";
import { BURST_ROUNDS, BURST_SIZES } from "../src/wait.js";

/** A broker for the whole test file, started before its tests and stopped after them. */
export function useServer(options: ServerOptions = {}): TestServer {
  const server = new TestServer(options);
  beforeAll(() => server.start());
  afterAll(() => server.stop());
  return server;
}

/**
 * Runs publish-a-burst-then-close for `client` in a child process (dist/burst.js, or pika's
 * scenarios.py) over every burst size, BURST_ROUNDS times each, and expects every close to settle
 * with no error; then expects the broker to be serving still, with no more messages in the burst
 * queues than were published.
 */
export async function expectCleanBurstsThenClose(server: TestServer, client: BurstClient | "pika"): Promise<void> {
  const sizes = BURST_SIZES.map(String);
  let run: ChildRun<Attempt>;
  if (client === "pika") {
    run = startPika("burst", server.port, [String(BURST_ROUNDS), ...sizes], 90_000) as unknown as ChildRun<Attempt>;
  } else {
    assertBuilt();
    run = runChild<Attempt>(process.execPath, [burstScript, client, server.url, String(BURST_ROUNDS), ...sizes], 90_000);
  }
  const { code, stderr } = await run.exited;
  const failed = run.lines.filter((a) => a.outcome !== "closed" || a.errors.length > 0);
  const described = (a: Attempt & { error?: string }) =>
    a.error ?? `${a.size} messages, round ${a.round}: ${a.outcome}${a.errors.length > 0 ? `; errors: ${a.errors.join(", ")}` : ""}`;
  expect(failed.map(described)).toEqual([]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  expect(run.lines).toHaveLength(BURST_SIZES.length * BURST_ROUNDS);

  const c = await amqp.connect(server.url);
  try {
    const ch = await c.createChannel();
    for (const size of BURST_SIZES) {
      const { messageCount } = await ch.checkQueue(`burst.${size}`);
      expect(messageCount).toBeLessThanOrEqual(size * BURST_ROUNDS);
      await ch.deleteQueue(`burst.${size}`);
    }
  } finally {
    await c.close();
  }
}

/** Whether an environment flag such as CI is set ("1", "true"; not "", "0" or "false"). */
export function flag(name: string): boolean {
  const v = process.env[name];
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

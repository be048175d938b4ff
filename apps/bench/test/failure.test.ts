/**
 * When things go wrong the bench says so and exits non-zero: the broker dies mid-run (killed, or
 * shut down with 320 CONNECTION_FORCED), nothing listens, a flag is bad.
 */
import { createServer } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runBench, startServer } from "./helpers.js";

beforeAll(assertBuilt);

/** A port that nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe("a broker that dies mid-run", () => {
  it.each([
    ["is killed (SIGKILL)", "SIGKILL", [] as string[], /connection to the broker lost \((read ECONNRESET|Unexpected close|Socket closed abruptly[^)]*)\)/],
    ["shuts down (SIGTERM: 320 CONNECTION_FORCED), with confirms and 2 load processes", "SIGTERM", ["--confirm", "100", "--procs", "2"], /connection to the broker lost \(.*320.*CONNECTION.FORCED.*\)/],
  ] as const)("%s: the bench exits 1 at once with a clear message", async (_, signal, extra, message) => {
    const server = await startServer();
    try {
      const run = await runBench(["--uri", server.uri, "--duration", "30", ...extra], (child) => {
        // Kill the broker once the run is under way: the first progress line says it is.
        child.stdout!.once("data", () => server.child.kill(signal));
      });
      expect(run.code).toBe(1);
      const lines = run.stderr.trimEnd().split("\n");
      expect(lines.at(-1)).toMatch(/^amqp-bench: amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+\/?: connection to the broker lost /);
      expect(lines.at(-1)).toMatch(/, seen first by (producer \d+|consumer \d+|the admin connection), /);
      expect(lines.at(-1)).toMatch(message);
      expect(lines.at(-1)).toMatch(/[\d.]+ s into the run; run aborted$/);
      expect(run.seconds).toBeLessThan(10);
    } finally {
      await server.stop();
    }
  });
});

describe("errors before a run", () => {
  it("nothing listening: exit 1, cannot connect", async () => {
    const port = await freePort();
    const run = await runBench(["--uri", `amqp://guest:secret@127.0.0.1:${port}`, "--duration", "1"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`amqp-bench: amqp://guest:***@127.0.0.1:${port}: cannot connect: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  });

  it("a bad flag: exit 2, one line", async () => {
    const run = await runBench(["--size", "4"]);
    expect(run).toMatchObject({ code: 2, stdout: "", stderr: 'amqp-bench: --size must be an integer from 8 to 134217728, got "4"\n' });
  });
});

describe("a broker that stalls", () => {
  // This also shows that producers respect backpressure: the count of published messages stops
  // moving (so the watchdog fires) only because, once the socket and amqplib's channel buffer are
  // full, publish() returns false and they wait for 'drain' instead of buffering without bound.
  it("(SIGSTOP: connections open, nothing moves) fails the run after --stall-timeout", async () => {
    const server = await startServer();
    try {
      const run = await runBench(["--uri", server.uri, "--duration", "30", "--stall-timeout", "2"], (child) => {
        child.stdout!.once("data", () => server.child.kill("SIGSTOP"));
      });
      expect(run.code).toBe(1);
      expect(run.stderr.trimEnd().split("\n").at(-1)).toMatch(
        /^amqp-bench: amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+\/?: no message published, confirmed or consumed for 2 s \(--stall-timeout\): the broker stalled, [\d.]+ s into the run; run aborted$/,
      );
      // 2 s of no progress after the socket buffers fill, then a 2 s bounded clean-up against the stopped broker.
      expect(run.seconds).toBeLessThan(15);
    } finally {
      server.child.kill("SIGCONT");
      await server.stop();
    }
  });
});

/**
 * pika (Debian's python3-pika, BlockingConnection) against the real broker, each scenario a run of
 * pika/scenarios.py. Where pika is missing the tests are skipped with a notice, except on CI (CI set),
 * where .ci/run installs python3-pika and a missing pika fails them.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { PYTHON, pikaVersion, runPika, startPika } from "../src/pika.js";
import { BURST_ROUNDS, BURST_SIZES, HEARTBEAT_S, IDLE_MS, until } from "../src/wait.js";
import { expectCleanBurstsThenClose, flag, useServer } from "./shared.js";

const version = pikaVersion();
const onCi = flag("CI");
if (version === undefined && !onCi) {
  console.warn(
    `\n*** pika tests SKIPPED: ${PYTHON} cannot import pika. Install it (apt-get install python3-pika) to run them; on CI (CI=1) they fail instead. ***\n`,
  );
}

describe.skipIf(version === undefined && !onCi)(`pika ${version ?? "(missing)"}`, () => {
  const server = useServer();
  beforeEach(() => {
    if (version === undefined) throw new Error(`pika is missing on CI: ${PYTHON} cannot import pika (.ci/run installs python3-pika with apt as root)`);
  });

  it("connects, declares, publishes with properties and consumes with ack", async () => {
    const r = await runPika("basics", server.port);
    expect(r).toMatchObject({ body: "hello", exchange: "pika.direct", routing_key: "greeting", redelivered: false, left_after_ack: 0 });
    expect(r.properties).toEqual({
      content_type: "text/plain",
      content_encoding: "utf-8",
      headers: { "x-number": 42, "x-text": "forty-two", "x-flag": true, "x-list": [1, "two"] },
      delivery_mode: 2,
      priority: 4,
      correlation_id: "corr-p",
      reply_to: null,
      expiration: "60000",
      message_id: "msg-p",
      timestamp: 1_700_000_000,
      type: "greeting",
      user_id: "guest",
      app_id: "client-tests",
    });
  });

  it("publisher confirms: each basic_publish on a confirm channel returns once acked", async () => {
    expect(await runPika("confirms", server.port)).toEqual({ confirmed: 25, count: 25 });
  });

  it("basic.get: messages one at a time with the count left, and nothing on an empty queue", async () => {
    expect(await runPika("get", server.port)).toEqual({
      seen: [
        ["get-0", 2, "get-0"],
        ["get-1", 1, "get-1"],
        ["get-2", 0, "get-2"],
      ],
      empty: true,
    });
  });

  it("reject and nack: requeued ones come back redelivered, the others are gone", async () => {
    expect(await runPika("reject", server.port)).toEqual({
      redelivered: [
        ["r-0", true],
        ["r-2", true],
        ["r-3", true],
      ],
    });
  });

  it("RPC: requests carry reply-to and correlation-id, replies come back on an exclusive reply queue", async () => {
    expect(await runPika("rpc", server.port)).toEqual({ replies: { c1: "2", c2: "4", c3: "6" } });
  });

  it(`heartbeats at ${HEARTBEAT_S} s: an idle connection survives several intervals and stays usable`, async () => {
    expect(await runPika("heartbeat", server.port, [String(HEARTBEAT_S), String(IDLE_MS / 1000)])).toEqual({
      negotiated: HEARTBEAT_S,
      open_after_idle: true,
      body: "still here",
    });
  });

  it(`publish a burst without confirms, then close (${BURST_SIZES.join(", ")} messages, ${BURST_ROUNDS} rounds): close settles, the broker carries on`, async () => {
    await expectCleanBurstsThenClose(server, "pika");
  }, 120_000); // the burst child may take 90 s on a loaded machine; the suite default is 30 s

  it("reconnects with a retry loop after the broker restarts: consuming resumes, a persistent message survives", async () => {
    const run = startPika("reconnect", server.port);
    await run.line("pika connected and consuming", (l) => l.event === "ready" || l.error !== undefined);
    if (run.lines.some((l) => l.error !== undefined)) throw new Error(`pika failed: ${run.lines.find((l) => l.error)?.error}`);
    await until("pika's ack of ping-1 processed", () => server.heldCount("pika.reconnect") === 0);
    await server.restart();
    const { code, stderr } = await run.exited;
    const events = run.lines.filter((l) => l.event !== undefined).map((l) => l.event);
    expect({ code, stderr, error: run.lines.find((l) => l.error)?.error }).toEqual({ code: 0, stderr: "", error: undefined });
    expect(events).toEqual(["ready", "disconnected", "reconnected"]);
    expect(run.lines.at(-1)?.result).toEqual({ received: ["ping-1", "ping-2"], kept: "kept" });
  });
});

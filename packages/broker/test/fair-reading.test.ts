/**
 * A fair share of the event loop: libuv reads a readable socket up to 32 times (2 MiB) in one
 * turn, so without a limit one busy publisher holds every other connection, and the deliveries,
 * for as long as it takes to handle megabytes of publishes. A connection reads at most
 * READ_PER_TURN bytes in a turn (connection/flow.ts), then rests until the next.
 */
import { MethodId } from "@amqp-go/protocol";
import { describe, expect, it } from "vitest";
import { READ_PER_TURN } from "../src/connection/flow.js";
import { ALARM_ONLY, until, useBroker } from "./helpers.js";
import { RawClient } from "./raw-client.js";

const MESSAGES = 40_000;
const BODY = Buffer.alloc(200, 0x62);

describe("reading a socket, turn by turn", () => {
  const t = useBroker({ ...ALARM_ONLY });

  it("a publisher that sends megabytes at once is read at most READ_PER_TURN (plus one read) per event-loop turn", async () => {
    const c = await RawClient.connect(t.port);
    await c.handshake();
    await c.openChannel(1);
    c.send(1, { id: MethodId.QueueDeclare, queue: "burst", passive: false, durable: false, exclusive: false, autoDelete: false, noWait: false, arguments: {} });
    await c.expectMethod(1, MethodId.QueueDeclareOk);
    const q = t.broker.vhosts.get("/")!.queues.get("burst")!;

    for (let i = 0; i < MESSAGES; i++) c.writer.content(1, { id: MethodId.BasicPublish, exchange: "", routingKey: "burst", mandatory: false, immediate: false }, {}, BODY);
    const burst = c.writer.take();
    const perMessage = burst.length / MESSAGES;

    // Each turn of the loop (the check phase, where setImmediate runs) notes how many messages
    // the queue gained since the last.
    let last = 0;
    let most = 0;
    let turns = 0;
    let sampling = true;
    const sample = (): void => {
      const n = q.messageCount;
      most = Math.max(most, n - last);
      last = n;
      turns++;
      if (sampling) setImmediate(sample);
    };
    setImmediate(sample);
    c.write(burst);
    await until(() => q.messageCount === MESSAGES, 30_000);
    sampling = false;

    expect(burst.length).toBeGreaterThan(8 * 1024 * 1024);
    // one read of up to 64 KiB may cross the limit
    expect(most * perMessage).toBeLessThanOrEqual(READ_PER_TURN + 64 * 1024 + 2 * perMessage);
    expect(turns).toBeGreaterThan(burst.length / (READ_PER_TURN + 64 * 1024));
    c.destroy();
  });
});

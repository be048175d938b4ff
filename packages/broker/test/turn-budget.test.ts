/**
 * A client pipelining thousands of durable declares and binds does not stall the broker's other
 * connections (issue 18): exchange and queue methods are handled for at most a few milliseconds per
 * event-loop turn, the rest of the read at the next turn (Connection.yieldTurn). Measured in this
 * process (the broker's): a 1 ms timer notes the longest gap between its ticks and the most queues
 * declared between two ticks.
 */
import { MethodId } from "@amqp-go/protocol";
import { describe, expect, it } from "vitest";
import { RawClient } from "./raw-client.js";
import { dataDir, start, stop } from "./storage-helpers.js";

const N = 2000;

describe("a long pipeline of declares", () => {
  it(`${N} durable declare+bind pairs written at once are handled a few milliseconds a turn, in order`, async () => {
    const a = await start(dataDir());
    const v = a.broker.vhosts.get("/")!;
    const c = await RawClient.open(Number(new URL(a.url).port));
    await c.openChannel(1);
    // warm up: the first durable queue's code paths (compilation) are not what is measured
    c.writer.method(1, { id: MethodId.QueueDeclare, queue: "warm", passive: false, durable: true, exclusive: false, autoDelete: false, noWait: false });
    c.write(c.writer.take());
    const count = (id: number) => c.frames.filter((f) => f.type === "method" && f.method.id === id).length;
    await c.waitFor(() => (count(MethodId.QueueDeclareOk) === 1 ? true : undefined), 5000, "declare-ok");
    const queuesBefore = v.queues.size;

    let worstGap = 0;
    let mostPerTick = 0;
    let last = performance.now();
    let lastCount = v.queues.size;
    const ticker = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      mostPerTick = Math.max(mostPerTick, v.queues.size - lastCount);
      last = now;
      lastCount = v.queues.size;
    }, 1);
    try {
      for (let i = 0; i < N; i++) {
        const queue = `turns.${i}`;
        c.writer.method(1, { id: MethodId.QueueDeclare, queue, passive: false, durable: true, exclusive: false, autoDelete: false, noWait: false });
        c.writer.method(1, { id: MethodId.QueueBind, queue, exchange: "amq.direct", routingKey: queue, noWait: false });
      }
      c.write(c.writer.take());
      await c.waitFor(() => (count(MethodId.QueueBindOk) === N ? true : undefined), 60_000, "bind-oks");
    } finally {
      clearInterval(ticker);
    }
    expect(v.queues.size - queuesBefore).toBe(N);
    // replies in order: declare-ok, bind-ok, declare-ok...
    const replies = c.frames.filter((f) => f.type === "method" && (f.method.id === MethodId.QueueDeclareOk || f.method.id === MethodId.QueueBindOk));
    expect(replies.length).toBe(2 * N + 1);
    expect(replies.slice(1).every((f, i) => f.type === "method" && f.method.id === (i % 2 === 0 ? MethodId.QueueDeclareOk : MethodId.QueueBindOk))).toBe(true);
    // without the budget every read available was handled in one turn: all 2000 between two ticks,
    // 450-500 ms without a tick; with it 100-130 queues and 35-90 ms on a busy 2-core machine
    expect(mostPerTick).toBeLessThan(N / 4);
    expect(worstGap).toBeLessThan(250);
    c.destroy();
    await stop(a);
  }, 60_000);
});

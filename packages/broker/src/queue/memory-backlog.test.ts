import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryMonitor } from "../memory.js";
import { Message } from "../message.js";
import { Queue } from "./queue.js";
import { BacklogModel, backlogOps } from "../../test/backlog-model.js";
import type { QueueEntry } from "./queue-entry.js";

const options = { durable: false, exclusive: false, autoDelete: false, arguments: {} };
const message = (n: number) => new Message("", "q", Buffer.alloc(0), Buffer.from(String(n)));

/** A queue that does not survive a restart (its backlog is a MemoryBacklog), and its memory monitor. */
function transientQueue() {
  const memory = new MemoryMonitor(Number.MAX_SAFE_INTEGER);
  return { queue: new Queue("q", "/", options, null, memory), memory };
}

describe("a transient queue's backlog", () => {
  it("delivers in RabbitMQ's order: a requeued message goes back to its place by arrival", () => {
    fc.assert(
      fc.property(backlogOps(1, 200), (ops) => {
        const { queue, memory } = transientQueue();
        const model = new BacklogModel(queue);
        for (const o of ops) {
          if (o.kind === "publish") for (let i = 0; i < o.count; i++) queue.enqueue(message(model.publish()), null);
          else if (o.kind === "get") model.got(queue.fetch(false));
          else model.apply(o);
          model.check();
        }
        // what it holds is what is ready or unacked, no more
        const held = [...model.ready.keys(), ...model.unacked.map((e) => Number(e.message.body.toString()))];
        expect(queue.bytes).toBe(held.reduce((s, n) => s + message(n).size, 0));
        expect(memory.bytes).toBe(queue.bytes);
      }),
    );
  });

  it("requeues 200,000 deliveries in well under a second (a requeue moves no ready message)", () => {
    const { queue } = transientQueue();
    const n = 200_000;
    for (let i = 0; i < n + 1000; i++) queue.enqueue(message(i), null);
    const delivered: QueueEntry[] = [];
    for (let i = 0; i < n; i++) delivered.push(queue.fetch(false)!);
    const t0 = performance.now();
    for (const e of delivered) queue.requeue(e, null);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(1000);
    expect(queue.messageCount).toBe(n + 1000);
    for (let i = 0; i < n + 1000; i++) {
      const e = queue.fetch(true)!;
      expect(e.redelivered).toBe(i < n);
      if (e.message.body.toString() !== String(i)) expect(e.message.body.toString()).toBe(String(i));
    }
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryMonitor } from "../memory.js";
import { Message } from "../message.js";
import { Queue, type QueueEntry } from "./queue.js";

const options = { durable: false, exclusive: false, autoDelete: false, arguments: {} };
const message = (n: number) => new Message("", "q", Buffer.alloc(0), Buffer.from(String(n)));

/** A queue that does not survive a restart (its backlog is a MemoryBacklog), and its memory monitor. */
function transientQueue() {
  const memory = new MemoryMonitor(Number.MAX_SAFE_INTEGER);
  return { queue: new Queue("q", "/", options, null, memory), memory };
}

type Op =
  | { readonly kind: "publish" }
  | { readonly kind: "get" }
  | { readonly kind: "ack" | "requeue"; readonly pick: number }
  | { readonly kind: "purge" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: "publish" } as const) },
  { weight: 3, arbitrary: fc.constant({ kind: "get" } as const) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("requeue" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("ack" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: "purge" } as const) },
);

describe("a transient queue's backlog", () => {
  it("delivers in RabbitMQ's order: a requeued message goes back to its place by arrival", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const { queue, memory } = transientQueue();
        // the model: ready messages by number (arrival order), each redelivered or not
        const ready = new Map<number, boolean>();
        const unacked: QueueEntry[] = [];
        let published = 0;
        for (const o of ops) {
          if (o.kind === "publish") {
            queue.enqueue(message(published), null);
            ready.set(published++, false);
          } else if (o.kind === "get") {
            const e = queue.fetch(false);
            const first = Math.min(...ready.keys());
            if (ready.size === 0) expect(e).toBeUndefined();
            else {
              expect(e!.message.body.toString()).toBe(String(first));
              expect(e!.redelivered).toBe(ready.get(first));
              ready.delete(first);
              unacked.push(e!);
            }
          } else if (o.kind === "purge") {
            expect(queue.purge()).toBe(ready.size);
            ready.clear();
          } else if (unacked.length > 0) {
            const [e] = unacked.splice(o.pick % unacked.length, 1);
            if (o.kind === "ack") queue.settle(e!, null);
            else {
              queue.requeue(e!, null);
              ready.set(Number(e!.message.body.toString()), true);
            }
          }
          expect(queue.messageCount).toBe(ready.size);
          expect(queue.unacked).toBe(unacked.length);
        }
        // what it holds is what is ready or unacked, no more
        const held = [...ready.keys(), ...unacked.map((e) => Number(e.message.body.toString()))];
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

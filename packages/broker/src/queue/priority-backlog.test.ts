import { encodeBasicProperties } from "@amqp-go/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryMonitor } from "../memory.js";
import { Message } from "../message.js";
import { Queue } from "./queue.js";
import type { QueueEntry } from "./queue-entry.js";

const MAX = 5;

function message(body: string, priority: number | undefined): Message {
  const b = Buffer.alloc(4096);
  const raw = b.subarray(0, encodeBasicProperties(b, 0, priority === undefined ? {} : { priority }));
  return new Message("", "q", raw, Buffer.from(body));
}

function priorityQueue() {
  const memory = new MemoryMonitor(Number.MAX_SAFE_INTEGER);
  const q = new Queue("q", "/", { durable: false, exclusive: false, autoDelete: false, arguments: { "x-max-priority": MAX } }, null, memory);
  return { q, memory };
}

/** The model: highest capped priority first, then arrival order (requeued ones keep theirs). */
const level = (p: number | undefined) => Math.min(p ?? 0, MAX);

describe("a priority queue's backlog", () => {
  it("serves highest priority first, arrival order within a priority, requeued ones in their place", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 9 })), { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (priorities, requeues) => {
          const { q, memory } = priorityQueue();
          priorities.forEach((p, i) => q.enqueue(message(String(i), p), null));
          // take some out, put some back
          const out: QueueEntry[] = [];
          for (let i = 0; i < Math.min(requeues.length, priorities.length); i++) out.push(q.fetch(false)!);
          for (const pick of requeues) {
            if (out.length === 0) break;
            q.requeue(out.splice(pick % out.length, 1)[0]!, null);
          }
          for (const e of out) q.settle(e, null);
          const left = new Set(Array.from({ length: priorities.length }, (_, i) => i));
          for (const e of out) left.delete(Number(e.message.body.toString()));
          const expected = [...left].sort((a, b) => level(priorities[b]) - level(priorities[a]) || a - b);
          expect(q.messageCount).toBe(expected.length);
          const got: number[] = [];
          for (let e = q.fetch(true); e !== undefined; e = q.fetch(true)) got.push(Number(e.message.body.toString()));
          expect(got).toEqual(expected);
          expect(memory.bytes).toBe(0);
        },
      ),
    );
  });

  it("purges every level and gives back their memory", () => {
    const { q, memory } = priorityQueue();
    for (let p = 0; p <= 9; p++) q.enqueue(message(String(p), p), null);
    q.requeue(q.fetch(false)!, null);
    expect(q.purge()).toBe(10);
    expect([q.messageCount, memory.bytes]).toEqual([0, 0]);
  });
});

import { describe, expect, it } from "vitest";
import { MemoryMonitor } from "../memory.js";
import { Message } from "../message.js";
import type { FlowPublisher } from "./flow.js";
import { Queue } from "./queue.js";
import type { QueueEntry } from "./queue-entry.js";

const options = { durable: false, exclusive: false, autoDelete: false, arguments: {} };
const message = () => new Message("", "q", Buffer.alloc(0), Buffer.alloc(488)); // 1000 octets counted
const SIZE = message().size;

/** A publisher that records when it is let go. */
class Recorder implements FlowPublisher {
  resumed = 0;
  flowResumed(): void {
    this.resumed++;
  }
}

function queueWith(consumed: number, idle: number) {
  return new Queue("q", "/", options, null, new MemoryMonitor(Number.MAX_SAFE_INTEGER), { consumed, idle });
}

describe("a queue's flow mark", () => {
  it("without consumers: over the idle mark it holds a publisher back once, and lets it go at half the mark", () => {
    const q = queueWith(10 * SIZE, 4 * SIZE);
    const p = new Recorder();
    for (let i = 0; i < 4; i++) q.enqueue(message(), null);
    expect(q.flow.over).toBe(false);
    q.enqueue(message(), null);
    expect(q.flow.over).toBe(true);
    expect(q.flow.holdBack(p)).toBe(true);
    expect(q.flow.holdBack(p)).toBe(false); // once
    expect(q.heldBack).toBe(1);
    const got: QueueEntry[] = [];
    for (let i = 0; i < 2; i++) got.push(q.fetch(false)!);
    // fetched but not acked: no longer ready, yet still held; the queue is at 3 of 4
    for (const e of got) q.settle(e, null);
    expect(p.resumed).toBe(0);
    q.settle(q.fetch(false)!, null); // 2 ready: half the mark
    expect(p.resumed).toBe(1);
    expect(q.heldBack).toBe(0);
  });

  it("counts ready messages only: deliveries awaiting their ack are bounded by prefetch, not by the mark", () => {
    const q = queueWith(2 * SIZE, 100 * SIZE);
    const sink = { canDeliver: () => true, deliver: () => {}, cancelledByServer: () => {}, publisher: new Recorder() };
    q.addConsumer({ tag: "c", queue: q, sink, noAck: false, exclusive: false, prefetch: 0, unacked: 0, hasCredit: () => true } as never);
    for (let i = 0; i < 10; i++) q.enqueue(message(), null);
    expect(q.unacked).toBe(10);
    expect(q.bytes).toBe(10 * SIZE);
    expect(q.readyBytes).toBe(0);
    expect(q.flow.over).toBe(false);
  });

  it("a consumer leaving raises the mark and lets waiting publishers go; deleting the queue lets them all go", () => {
    const q = queueWith(2 * SIZE, 100 * SIZE);
    const consumer = { tag: "c", queue: q, sink: { canDeliver: () => false, deliver: () => {}, cancelledByServer: () => {}, publisher: new Recorder() }, noAck: false, exclusive: false, prefetch: 1, unacked: 0, hasCredit: () => false };
    q.addConsumer(consumer as never);
    for (let i = 0; i < 5; i++) q.enqueue(message(), null);
    const p = new Recorder();
    expect(q.flow.over).toBe(true);
    expect(q.flow.holdBack(p)).toBe(true);
    q.removeConsumer(consumer as never);
    expect(p.resumed).toBe(1);

    for (let i = 0; i < 200; i++) q.enqueue(message(), null);
    const a = new Recorder();
    const b = new Recorder();
    q.flow.holdBack(a);
    q.flow.holdBack(b);
    q.flow.forgetPublisher(b);
    q.delete();
    expect([a.resumed, b.resumed]).toEqual([1, 0]);
  });

  it("never holds back a publisher that consumes from it", () => {
    const q = queueWith(SIZE, SIZE);
    const me = new Recorder();
    q.addConsumer({ tag: "c", queue: q, sink: { canDeliver: () => false, deliver: () => {}, cancelledByServer: () => {}, publisher: me }, noAck: false, exclusive: false, prefetch: 1, unacked: 0, hasCredit: () => false } as never);
    for (let i = 0; i < 5; i++) q.enqueue(message(), null);
    expect(q.flow.over).toBe(true);
    expect(q.flow.holdBack(me)).toBe(false);
    expect(q.flow.holdBack(new Recorder())).toBe(true);
  });
});

import { describe, expect, it, vi } from "vitest";
import { resolveBrokerOptions } from "./broker-options.js";
import { availableMemory, type HeapSample, MemoryMonitor } from "./memory.js";

const GiB = 2 ** 30;

/** A monitor whose heap is whatever the test says, and the alarm changes it reported. */
function monitor(highWatermark: number) {
  const heap: { used: number; limit: number } = { used: 0, limit: 1000 };
  const m = new MemoryMonitor(highWatermark, (): HeapSample => heap);
  const changes: boolean[] = [];
  m.onAlarm((alarm) => changes.push(alarm));
  return { m, heap, changes };
}

describe("availableMemory", () => {
  it("is the machine's memory unless the process is constrained below it", () => {
    expect(availableMemory(16 * GiB, 0)).toBe(16 * GiB);
    expect(availableMemory(16 * GiB, undefined)).toBe(16 * GiB);
    // cgroup v2 "max" comes back as 2^64
    expect(availableMemory(16 * GiB, 2 ** 64)).toBe(16 * GiB);
    expect(availableMemory(16 * GiB, 16 * GiB)).toBe(16 * GiB);
    expect(availableMemory(16 * GiB, 2 * GiB)).toBe(2 * GiB);
  });

  it("makes a fractional watermark a share of the cgroup's memory, and leaves bytes alone", () => {
    expect(resolveBrokerOptions({}, availableMemory(16 * GiB, 2 * GiB)).memoryHighWatermark).toBe(Math.floor(0.4 * 2 * GiB));
    expect(resolveBrokerOptions({ memoryHighWatermark: 0.5 }, availableMemory(16 * GiB, 0)).memoryHighWatermark).toBe(8 * GiB);
    expect(resolveBrokerOptions({ memoryHighWatermark: 4096 }, availableMemory(16 * GiB, 2 * GiB)).memoryHighWatermark).toBe(4096);
  });
});

describe("MemoryMonitor", () => {
  it("counted bytes: on above the watermark, off at 90% of it", () => {
    const { m, changes } = monitor(1000);
    m.add(1000);
    expect(m.alarmed).toBe(false);
    m.add(1);
    expect([m.alarmed, m.reason, changes]).toEqual([true, "messages", [true]]);
    m.add(500);
    m.sub(600);
    expect(m.alarmed).toBe(true); // 901: not yet below 90%
    m.sub(1);
    expect([m.bytes, m.alarmed, m.reason, changes]).toEqual([900, false, null, [true, false]]);
  });

  it("heap: on above 75% of the limit, off only below 60%", () => {
    const { m, heap, changes } = monitor(Number.MAX_SAFE_INTEGER);
    heap.used = 750;
    m.tick();
    expect(m.alarmed).toBe(false);
    heap.used = 751;
    m.tick();
    expect([m.alarmed, m.reason, m.heapUsed, m.heapLimit, changes]).toEqual([true, "heap", 751, 1000, [true]]);
    heap.used = 600;
    m.tick();
    expect(m.alarmed).toBe(true); // between the two marks it stays on
    heap.used = 599;
    m.tick();
    expect([m.alarmed, m.reason, changes]).toEqual([false, null, [true, false]]);
    heap.used = 700;
    m.tick();
    expect(m.alarmed).toBe(false); // between the two marks it stays off
  });

  it("either rule holds the alarm: listeners hear it go on once and off once", () => {
    const { m, heap, changes } = monitor(1000);
    m.add(2000);
    heap.used = 900;
    m.tick();
    expect([m.alarmed, m.reason, changes]).toEqual([true, "heap", [true]]);
    // the messages drain, the heap is still high
    m.sub(2000);
    expect([m.alarmed, m.reason, changes]).toEqual([true, "heap", [true]]);
    // back above the watermark while the heap alarm holds: no second "on"
    m.add(2000);
    heap.used = 100;
    m.tick();
    expect([m.alarmed, m.reason, changes]).toEqual([true, "messages", [true]]);
    m.sub(2000);
    expect([m.alarmed, m.reason, changes]).toEqual([false, null, [true, false]]);
  });

  it("start samples at once and then every interval; stop ends it", () => {
    vi.useFakeTimers();
    try {
      const { m, heap, changes } = monitor(Number.MAX_SAFE_INTEGER);
      heap.used = 800;
      m.start(250);
      expect(changes).toEqual([true]);
      heap.used = 100;
      vi.advanceTimersByTime(249);
      expect(m.alarmed).toBe(true);
      vi.advanceTimersByTime(1);
      expect(m.alarmed).toBe(false);
      m.stop();
      heap.used = 900;
      vi.advanceTimersByTime(10_000);
      expect([m.alarmed, changes, vi.getTimerCount()]).toEqual([false, [true, false], 0]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("samples V8's heap by default", () => {
    const m = new MemoryMonitor(1000);
    m.tick();
    expect(m.heapUsed).toBeGreaterThan(0);
    expect(m.heapLimit).toBeGreaterThan(m.heapUsed);
    expect(m.alarmed).toBe(false);
  });
});

/**
 * The memory alarm, as RabbitMQ's: publishers are blocked until consumers drain the backlog. It is
 * on while either rule holds:
 * - "messages": the message octets the broker holds (queued, unacknowledged, in uncommitted
 *   transactions; `Message.size` each) are above the high watermark; off again at 90% of it.
 * - "heap": V8's used heap is above 75% of its limit; off again below 60%. Bodies live outside the
 *   heap, but each held message costs ~350 octets of it, and the heap limit (~4 GiB by default) can
 *   be far below the watermark: with 16-octet messages the broker died of a full heap at 4.7 GB
 *   RSS, long before 40% of 23 GB was counted. One unref'd timer samples the heap (`start`).
 */
import { getHeapStatistics } from "node:v8";

export type MemoryAlarmReason = "messages" | "heap";

/** V8's heap as the heap guard sees it, octets. */
export interface HeapSample {
  readonly used: number;
  readonly limit: number;
}

/** The heap alarm goes on above this share of the heap limit... */
const HEAP_ALARM = 0.75;
/** ...and off below this one (hysteresis: one GC must not flip it back and forth). */
const HEAP_CLEAR = 0.6;
/** How often the heap is sampled, ms: getHeapStatistics costs a few µs. */
const HEAP_CHECK_INTERVAL = 250;

export function v8Heap(): HeapSample {
  const h = getHeapStatistics();
  return { used: h.used_heap_size, limit: h.heap_size_limit };
}

/**
 * The memory a fractional watermark is a share of: the machine's, or the process's constraint (a
 * cgroup limit, `process.constrainedMemory()`) when that is lower, as RabbitMQ takes the cgroup
 * limit. An unconstrained process reports 0 (or nothing, or 2^64).
 */
export function availableMemory(total: number, constrained: number | undefined): number {
  return constrained !== undefined && constrained > 0 && constrained < total ? constrained : total;
}

export class MemoryMonitor {
  /** Message octets held, as counted by `add` and `sub`. */
  bytes = 0;
  /** The last heap sample (zeros before the first). */
  heapUsed = 0;
  heapLimit = 0;
  private overWatermark = false;
  private heapHigh = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners: ((alarm: boolean) => void)[] = [];

  constructor(
    readonly highWatermark: number,
    private readonly heap: () => HeapSample = v8Heap,
  ) {}

  get alarmed(): boolean {
    return this.overWatermark || this.heapHigh;
  }

  /** Why the alarm is on (the heap first when both rules hold); null when it is off. */
  get reason(): MemoryAlarmReason | null {
    return this.heapHigh ? "heap" : this.overWatermark ? "messages" : null;
  }

  /** Called when the alarm goes on (true) or off (false), not when only its reason changes. */
  onAlarm(listener: (alarm: boolean) => void): void {
    this.listeners.push(listener);
  }

  add(n: number): void {
    this.bytes += n;
    if (!this.overWatermark && this.bytes > this.highWatermark) {
      const was = this.alarmed;
      this.overWatermark = true;
      if (!was) this.notify(true);
    }
  }

  sub(n: number): void {
    this.bytes -= n;
    // Clear a little below the mark so that the alarm does not flap on every message.
    if (this.overWatermark && this.bytes <= this.highWatermark * 0.9) {
      this.overWatermark = false;
      if (!this.alarmed) this.notify(false);
    }
  }

  /** Samples the heap and applies the heap rule (the timer's job; call it directly in tests). */
  readonly tick = (): void => {
    const h = this.heap();
    this.heapUsed = h.used;
    this.heapLimit = h.limit;
    if (!this.heapHigh && h.used > h.limit * HEAP_ALARM) {
      const was = this.alarmed;
      this.heapHigh = true;
      if (!was) this.notify(true);
    } else if (this.heapHigh && h.used < h.limit * HEAP_CLEAR) {
      this.heapHigh = false;
      if (!this.alarmed) this.notify(false);
    }
  };

  /** Samples the heap every `interval` ms until `stop`, on a timer that keeps no process alive. */
  start(interval = HEAP_CHECK_INTERVAL): void {
    if (this.timer !== null) return;
    this.tick();
    this.timer = setInterval(this.tick, interval);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  private notify(alarm: boolean): void {
    for (const l of this.listeners) l(alarm);
  }
}

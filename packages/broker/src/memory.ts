/**
 * Counts the message octets the broker holds and raises the memory alarm above the high watermark,
 * as RabbitMQ's memory alarm: publishers are blocked until consumers drain the backlog.
 */
export class MemoryMonitor {
  bytes = 0;
  private alarm = false;
  private readonly listeners: ((alarm: boolean) => void)[] = [];

  constructor(readonly highWatermark: number) {}

  get alarmed(): boolean {
    return this.alarm;
  }

  onAlarm(listener: (alarm: boolean) => void): void {
    this.listeners.push(listener);
  }

  add(n: number): void {
    this.bytes += n;
    if (!this.alarm && this.bytes > this.highWatermark) this.set(true);
  }

  sub(n: number): void {
    this.bytes -= n;
    // Clear a little below the mark so that the alarm does not flap on every message.
    if (this.alarm && this.bytes <= this.highWatermark * 0.9) this.set(false);
  }

  private set(alarm: boolean): void {
    this.alarm = alarm;
    for (const l of this.listeners) l(alarm);
  }
}

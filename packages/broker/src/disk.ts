/**
 * The disk alarm, as RabbitMQ's: when the free space of the data directory's file system falls
 * below `disk_free_limit`, publishers are blocked (connection.blocked "low on disk") until it is
 * back above. Checked on an unref'd timer, and at once after every `checkEvery` octets written
 * (a burst of big messages can fill the disk between two ticks): one statfs, a few µs.
 */
import { diskFree } from "@amqp-go/storage";
import type { Logger } from "./ports.js";

/** The limit in octets: `relative` percent of `totalMemory` when above 0 (RabbitMQ's `.relative`), else `absolute`. */
export function diskFreeLimit(absolute: number, relative: number, totalMemory: number): number {
  return relative > 0 ? Math.floor((relative / 100) * totalMemory) : absolute;
}

export class DiskMonitor {
  /** Free octets at the last check (-1 before the first). */
  free = -1;
  private alarm = false;
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  private written = 0;
  private readonly checkEvery: number;
  private failedLogged = false;
  private readonly listeners: ((alarm: boolean) => void)[] = [];

  constructor(
    readonly dir: string,
    /** Octets below which the alarm is on; 0: never. */
    readonly limit: number,
    private readonly logger: Logger,
  ) {
    this.checkEvery = Math.max(1024 * 1024, Math.min(Math.floor(limit / 4), 64 * 1024 * 1024));
  }

  get alarmed(): boolean {
    return this.alarm;
  }

  /** Called when the alarm goes on (true) or off (false). */
  onAlarm(listener: (alarm: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Checks now and every `interval` ms until stop(). */
  start(interval: number): void {
    if (this.limit === 0 || this.timer !== null) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), interval);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** `n` octets go to disk: checked at once when many did since the last check. */
  wrote(n: number): void {
    this.written += n;
    if (this.written >= this.checkEvery && this.timer !== null) void this.check();
  }

  /** Reads the free space and sets or clears the alarm. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    this.written = 0;
    try {
      this.free = await diskFree(this.dir);
      this.failedLogged = false;
    } catch (err) {
      if (!this.failedLogged) this.logger.error({ err, dir: this.dir }, "reading the free disk space failed");
      this.failedLogged = true;
      return;
    } finally {
      this.checking = false;
    }
    const alarm = this.free < this.limit;
    if (alarm === this.alarm) return;
    this.alarm = alarm;
    this.logger.warn({ free: this.free, limit: this.limit, dir: this.dir }, alarm ? "disk alarm set: free disk space below disk_free_limit" : "disk alarm cleared");
    for (const l of this.listeners) l(alarm);
  }
}

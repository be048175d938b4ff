/**
 * x-expires: a queue unused for that long is deleted. Used means: a consumer on it, a declare
 * (passive too), a basic.get, a consumer leaving, as RabbitMQ counts it. One timer per queue with
 * x-expires, re-armed when it fires early (no timer work per use: a use only notes the time).
 */
export class IdleExpiry {
  private lastUsed = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private readonly fire = (): void => {
    this.timer = null;
    if (this.stopped) return;
    const idle = Date.now() - this.lastUsed;
    if (this.inUse() || idle < this.expires) this.arm(this.inUse() ? this.expires : this.expires - idle);
    else this.onExpired();
  };
  private stopped = false;

  constructor(
    private readonly expires: number,
    private readonly inUse: () => boolean,
    private readonly onExpired: () => void,
  ) {
    this.arm(expires);
  }

  /** The queue was used now. */
  touch(): void {
    this.lastUsed = Date.now();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.fire, Math.max(1, ms));
    this.timer.unref();
  }
}

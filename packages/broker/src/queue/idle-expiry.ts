/**
 * x-expires: a queue unused for that long is deleted. Used means: a consumer on it, a declare
 * (passive too), a basic.get, a consumer leaving, as RabbitMQ counts it. One timer per queue with
 * x-expires, re-armed when it fires early (no timer work per use: a use only notes the time). A
 * policy that changes x-expires starts the wait over with the new value.
 */
export class IdleExpiry {
  private lastUsed = Date.now();
  private timer: NodeJS.Timeout | null = null;
  /** x-expires in ms; 0: none. */
  private expires = 0;
  /** Deletes the queue; null until `start`. */
  private onExpired: (() => void) | null = null;
  /** The queue is deleted or the broker stops: no timer any more. */
  private stopped = false;
  private readonly fire = (): void => {
    this.timer = null;
    if (this.stopped) return;
    const idle = Date.now() - this.lastUsed;
    if (this.inUse() || idle < this.expires) this.arm(this.inUse() ? this.expires : this.expires - idle);
    else this.onExpired?.();
  };

  /** `inUse`: the queue has consumers (it never expires then). */
  constructor(private readonly inUse: () => boolean) {}

  /** The queue is declared: with x-expires `expires` (ms; 0: none) it is deleted by `onExpired` once unused that long. */
  start(expires: number, onExpired: () => void): void {
    this.onExpired = onExpired;
    this.change(expires);
  }

  /** x-expires is now `expires` (a policy): the wait starts over. Before `start`, nothing happens. */
  change(expires: number): void {
    this.clear();
    if (this.stopped) return;
    this.expires = expires > 0 ? expires : 0;
    if (this.expires > 0 && this.onExpired !== null) {
      this.lastUsed = Date.now();
      this.arm(this.expires);
    }
  }

  /** The queue was used now. */
  touch(): void {
    this.lastUsed = Date.now();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.fire, Math.max(1, ms));
    this.timer.unref();
  }
}

/**
 * Failed logins per source address. After `maxFailures` failures within `windowMs` of the first,
 * the address is refused, without any password being checked, for `windowMs` from the last one; a
 * successful login clears its count. RabbitMQ has no such limit (only the delay before it drops a
 * refused connection, which the broker has too); this one bounds online password guessing and the
 * scrypt work a single address can cause.
 */

export interface LoginRateLimit {
  /** Failures allowed per window; 0 turns limiting off. */
  readonly maxFailures: number;
  readonly windowMs: number;
}

interface Failures {
  count: number;
  /** Until when the count holds (and, at the limit, the address is refused). */
  until: number;
}

/** Entries are swept of expired ones when there are more than this. */
const SWEEP_AT = 10_000;

export class LoginRateLimiter {
  private readonly failures = new Map<string, Failures>();

  constructor(
    readonly limit: LoginRateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds the address is still refused for; 0 when it may try. */
  refusedFor(address: string): number {
    if (this.limit.maxFailures === 0) return 0;
    const f = this.failures.get(key(address));
    if (f === undefined || f.count < this.limit.maxFailures) return 0;
    return Math.max(0, f.until - this.now());
  }

  /** Counts a failure; true when it is the one that reached the limit. */
  failed(address: string): boolean {
    if (this.limit.maxFailures === 0) return false;
    const now = this.now();
    const k = key(address);
    let f = this.failures.get(k);
    if (f === undefined || f.until <= now) {
      if (this.failures.size >= SWEEP_AT) this.sweep(now);
      f = { count: 0, until: now + this.limit.windowMs };
      this.failures.set(k, f);
    }
    f.count++;
    if (f.count < this.limit.maxFailures) return false;
    f.until = now + this.limit.windowMs;
    return f.count === this.limit.maxFailures;
  }

  succeeded(address: string): void {
    this.failures.delete(key(address));
  }

  private sweep(now: number): void {
    for (const [k, f] of this.failures) if (f.until <= now) this.failures.delete(k);
  }
}

/** IPv4 clients of a dual-stack listener appear as ::ffff:a.b.c.d; count them as a.b.c.d. */
function key(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

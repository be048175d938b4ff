/**
 * Failed logins per source address. After `maxFailures` failures within `windowMs`, each further
 * attempt from the address waits before its password is checked: 250 ms, doubling with every
 * further failure, at most MAX_DELAY. A correct password still gets in (and clears the count), so a
 * user behind the same NAT as a password guesser is slowed, never locked out. Counts expire
 * `windowMs` after the last failure. RabbitMQ has no such limit (only the delay before it drops a
 * refused connection, which the broker has too); this one slows online guessing and bounds the
 * scrypt work a single address can cause per second.
 */

export interface LoginRateLimit {
  /** Failures allowed per window before attempts are slowed down; 0 turns limiting off. */
  readonly maxFailures: number;
  readonly windowMs: number;
}

interface Failures {
  count: number;
  /** Until when the count holds. */
  until: number;
}

/** Entries are swept of expired ones when there are more than this. */
const SWEEP_AT = 10_000;
/** The first delay past the limit; it doubles with each further failure. */
const FIRST_DELAY = 250;
/** Well below the default 10 s handshake timeout, so that a correct login still fits in it. */
export const MAX_LOGIN_DELAY = 4000;

export class LoginRateLimiter {
  private readonly failures = new Map<string, Failures>();
  private current: LoginRateLimit;

  constructor(
    limit: LoginRateLimit,
    private readonly now: () => number = Date.now,
  ) {
    this.current = limit;
  }

  get limit(): LoginRateLimit {
    return this.current;
  }

  /** Counts from now on against `limit` (a reloaded config); the failures counted so far are kept. */
  setLimit(limit: LoginRateLimit): void {
    this.current = limit;
  }

  /** Milliseconds an attempt from the address waits before it is checked; 0 below the limit. */
  delayFor(address: string): number {
    if (this.limit.maxFailures === 0) return 0;
    const f = this.failures.get(key(address));
    if (f === undefined || f.until <= this.now() || f.count < this.limit.maxFailures) return 0;
    const beyond = Math.min(f.count - this.limit.maxFailures, 16);
    return Math.min(FIRST_DELAY * 2 ** beyond, MAX_LOGIN_DELAY);
  }

  /** Counts a failure; true when it is the one that reached the limit. */
  failed(address: string): boolean {
    if (this.limit.maxFailures === 0) return false;
    const now = this.now();
    const k = key(address);
    let f = this.failures.get(k);
    if (f === undefined || f.until <= now) {
      if (this.failures.size >= SWEEP_AT) this.sweep(now);
      f = { count: 0, until: 0 };
      this.failures.set(k, f);
    }
    f.count++;
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

/**
 * Message rates as RabbitMQ's management plugin shows them (`publish_details: {rate}`): counters
 * are sampled every `intervalMs` (RabbitMQ's collect_statistics_interval, 5 s), and a rate is the
 * change between the last two samples, per second. The broker only increments integers; this
 * reads them, off the message path, once per interval.
 */

/** A counted object's numbers, read at a sample. */
export type Counters = Readonly<Record<string, number>>;

interface Samples {
  at: number;
  values: Counters;
  rates: Record<string, number>;
}

const NO_RATES: Readonly<Record<string, number>> = Object.freeze({});

export class RateSampler {
  private samples = new WeakMap<object, Samples>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Every object to sample and how to read its counters, walked once per tick. */
    private readonly walk: (visit: (owner: object, counters: Counters) => void) => void,
    readonly intervalMs = 5000,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Takes a sample now (the timer calls it; tests may too). */
  sample(now = Date.now()): void {
    this.walk((owner, values) => {
      const last = this.samples.get(owner);
      if (last === undefined) {
        this.samples.set(owner, { at: now, values: { ...values }, rates: {} });
        return;
      }
      const seconds = (now - last.at) / 1000;
      if (seconds <= 0) return;
      const rates: Record<string, number> = {};
      for (const [k, v] of Object.entries(values)) rates[k] = Math.max(0, Math.round(((v - (last.values[k] ?? 0)) / seconds) * 10) / 10);
      this.samples.set(owner, { at: now, values: { ...values }, rates });
    });
  }

  /** The rate of `key` of `owner` over the last interval, per second (0 before two samples). */
  rate(owner: object, key: string): number {
    return this.samples.get(owner)?.rates[key] ?? 0;
  }

  /** Every rate of `owner` (empty before two samples): read it once to show many. */
  ratesOf(owner: object): Readonly<Record<string, number>> {
    return this.samples.get(owner)?.rates ?? NO_RATES;
  }

  /** `{ rate }`, the shape of every `*_details` field. */
  details(owner: object, key: string): { rate: number } {
    return { rate: this.rate(owner, key) };
  }
}

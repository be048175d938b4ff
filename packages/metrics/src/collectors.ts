/** Metrics whose values are read from the broker when scraped: nothing is pushed per message. */
import { Counter, Gauge, type Registry } from "prom-client";

/** A counter whose value is read from `read()` at scrape time. */
export function counterOf(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A gauge whose value is read from `read()` at scrape time. */
export function gaugeOf(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/**
 * A set of bindings (destination, routing key, arguments) that route alike: those of one routing
 * key in a direct exchange, of one pattern in a topic exchange, or all of a fanout exchange.
 *
 * Bindings are grouped by destination, so `destinations` (what `route` pushes) holds each
 * destination once however many keys and argument tables bind it, and is kept up to date on
 * every change rather than derived per message.
 */
import type { FieldTable } from "@amqp-go/protocol";
import type { Binding, Destination } from "./exchange.js";
import { deepEqualTable } from "./field-equal.js";

/** A destination's identity: kind and name (queues and exchanges have separate namespaces). */
export function destinationKey(d: Destination): string {
  return d.kind === "queue" ? `q:${d.name}` : `e:${d.name}`;
}

/** Pushes every element of `from` onto `out`: the route hot path, with no iterator or spread. */
export function pushAll(from: readonly Destination[], out: Destination[]): void {
  for (let i = 0; i < from.length; i++) out.push(from[i]!);
}

/** Up to this many destinations a set is searched in order, past it through a Map. */
const SCAN_UP_TO = 8;

interface DestinationEntry {
  readonly key: string;
  readonly destination: Destination;
  /** Position in `destinations`, for removal by swapping with the last. */
  index: number;
  /** The bindings to this destination, as parallel lists: usually one element each. */
  readonly routingKeys: string[];
  readonly args: FieldTable[];
}

export class BindingSet {
  /** Each destination bound here once, in no particular order. */
  readonly destinations: Destination[] = [];
  private readonly entries: DestinationEntry[] = [];
  /**
   * Entries by destination key, once there are more than SCAN_UP_TO: most sets (one routing key of
   * a direct exchange) hold one destination, and a Map each would be most of a binding's memory.
   */
  private byKey: Map<string, DestinationEntry> | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  hasDestination(destination: Destination): boolean {
    return this.find(destinationKey(destination)) !== undefined;
  }

  /** Is this binding (this very destination object, key and equal arguments) here? */
  has(destination: Destination, routingKey: string, args: FieldTable): boolean {
    const entry = this.find(destinationKey(destination));
    return entry !== undefined && entry.destination === destination && indexOf(entry, routingKey, args) >= 0;
  }

  /** Adds a binding; false when an equal one is here. */
  add(destination: Destination, routingKey: string, args: FieldTable): boolean {
    const key = destinationKey(destination);
    let entry = this.find(key);
    if (entry === undefined) {
      entry = { key, destination, index: this.entries.length, routingKeys: [], args: [] };
      this.byKey?.set(key, entry);
      this.entries.push(entry);
      if (this.byKey === null && this.entries.length > SCAN_UP_TO) this.byKey = new Map(this.entries.map((e) => [e.key, e]));
      this.destinations.push(destination);
    } else if (indexOf(entry, routingKey, args) >= 0) {
      return false;
    }
    entry.routingKeys.push(routingKey);
    entry.args.push(args);
    this.count++;
    return true;
  }

  /** Removes a binding; false when there was none. */
  remove(destination: Destination, routingKey: string, args: FieldTable): boolean {
    const entry = this.find(destinationKey(destination));
    if (entry === undefined) return false;
    const i = indexOf(entry, routingKey, args);
    if (i < 0) return false;
    entry.routingKeys.splice(i, 1);
    entry.args.splice(i, 1);
    this.count--;
    if (entry.routingKeys.length === 0) this.drop(entry);
    return true;
  }

  /** Removes every binding to `destination`; returns how many went. */
  removeDestination(destination: Destination): number {
    const entry = this.find(destinationKey(destination));
    if (entry === undefined) return 0;
    const n = entry.routingKeys.length;
    this.count -= n;
    this.drop(entry);
    return n;
  }

  /** Appends this set's bindings, as seen from exchange `source`, to `out`. */
  collect(source: string, out: Binding[]): void {
    for (const e of this.entries) {
      for (let i = 0; i < e.routingKeys.length; i++) {
        out.push({ source, destination: e.destination, routingKey: e.routingKeys[i]!, arguments: e.args[i]! });
      }
    }
  }

  private find(key: string): DestinationEntry | undefined {
    if (this.byKey !== null) return this.byKey.get(key);
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) if (entries[i]!.key === key) return entries[i];
    return undefined;
  }

  private drop(entry: DestinationEntry): void {
    this.byKey?.delete(entry.key);
    const last = this.entries.pop()!;
    this.destinations.pop();
    if (last !== entry) {
      this.entries[entry.index] = last;
      this.destinations[entry.index] = last.destination;
      last.index = entry.index;
    }
  }
}

function indexOf(entry: DestinationEntry, routingKey: string, args: FieldTable): number {
  for (let i = 0; i < entry.routingKeys.length; i++) {
    if (entry.routingKeys[i] === routingKey && deepEqualTable(entry.args[i]!, args)) return i;
  }
  return -1;
}

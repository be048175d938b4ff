/**
 * Binding bookkeeping shared by the exchanges that route on the routing key (direct, topic): one
 * BindingSet per binding key, plus an index from destination to its keys so that deleting a
 * queue (`unbindAll`) touches only its own bindings instead of scanning the exchange.
 *
 * Each destination is stored as one canonical object (the first one bound), so that routing
 * results can be deduplicated by identity.
 */
import type { FieldTable } from "@amqp-go/protocol";
import { BindingSet, destinationKey } from "./binding-set.js";
import { type Binding, type Destination, Exchange } from "./exchange.js";

interface DestinationKeys {
  readonly destination: Destination;
  /** The binding keys this destination is bound with here. */
  readonly keys: Set<string>;
}

export abstract class KeyedExchange extends Exchange {
  /** The bindings of each binding key (routing key or topic pattern). */
  protected readonly byKey = new Map<string, BindingSet>();
  private readonly byDestination = new Map<string, DestinationKeys>();
  private count = 0;

  /** A binding key got its first binding. */
  protected keyAdded(_key: string, _set: BindingSet): void {}

  /** A binding key lost its last binding. */
  protected keyRemoved(_key: string): void {}

  /** Some binding came or went (after keyAdded / keyRemoved). */
  protected bindingsChanged(): void {}

  bind(destination: Destination, routingKey: string, args: FieldTable): boolean {
    const dKey = destinationKey(destination);
    const known = this.byDestination.get(dKey);
    let set = this.byKey.get(routingKey);
    const isNewKey = set === undefined;
    set ??= new BindingSet();
    if (!set.add(known?.destination ?? destination, routingKey, args)) return false;
    if (known === undefined) this.byDestination.set(dKey, { destination, keys: new Set([routingKey]) });
    else known.keys.add(routingKey);
    this.count++;
    if (isNewKey) {
      this.byKey.set(routingKey, set);
      this.keyAdded(routingKey, set);
    }
    this.bindingsChanged();
    return true;
  }

  unbind(destination: Destination, routingKey: string, args: FieldTable): boolean {
    const set = this.byKey.get(routingKey);
    if (set === undefined || !set.remove(destination, routingKey, args)) return false;
    this.count--;
    if (!set.hasDestination(destination)) {
      const dKey = destinationKey(destination);
      const known = this.byDestination.get(dKey)!;
      known.keys.delete(routingKey);
      if (known.keys.size === 0) this.byDestination.delete(dKey);
    }
    if (set.size === 0) this.dropKey(routingKey);
    this.bindingsChanged();
    return true;
  }

  /** One map lookup, not a scan of every binding (queue.unbind asks before unbinding). */
  override hasBinding(destination: Destination, routingKey: string, args: FieldTable): boolean {
    return this.byKey.get(routingKey)?.has(destination, routingKey, args) ?? false;
  }

  unbindAll(destination: Destination): number {
    const dKey = destinationKey(destination);
    const known = this.byDestination.get(dKey);
    if (known === undefined) return 0;
    this.byDestination.delete(dKey);
    let removed = 0;
    for (const key of known.keys) {
      const set = this.byKey.get(key)!;
      removed += set.removeDestination(destination);
      if (set.size === 0) this.dropKey(key);
    }
    this.count -= removed;
    this.bindingsChanged();
    return removed;
  }

  bindings(): Binding[] {
    const out: Binding[] = [];
    for (const set of this.byKey.values()) set.collect(this.name, out);
    return out;
  }

  get bindingCount(): number {
    return this.count;
  }

  private dropKey(key: string): void {
    this.byKey.delete(key);
    this.keyRemoved(key);
  }
}

/**
 * The fanout exchange: a message goes to every bound destination, whatever its routing key.
 * Bindings still differ by routing key and arguments (unbind must name the same ones), but all
 * live in one BindingSet whose `destinations` lists each destination once.
 */
import type { FieldTable } from "@amqp-go/protocol";
import { BindingSet, pushAll } from "./binding-set.js";
import { type Binding, type Destination, Exchange } from "./exchange.js";

export class FanoutExchange extends Exchange {
  readonly type = "fanout";
  private readonly set = new BindingSet();

  bind(destination: Destination, routingKey: string, args: FieldTable): boolean {
    return this.set.add(destination, routingKey, args);
  }

  unbind(destination: Destination, routingKey: string, args: FieldTable): boolean {
    return this.set.remove(destination, routingKey, args);
  }

  override hasBinding(destination: Destination, routingKey: string, args: FieldTable): boolean {
    return this.set.has(destination, routingKey, args);
  }

  unbindAll(destination: Destination): number {
    return this.set.removeDestination(destination);
  }

  route(_routingKey: string, _headers: FieldTable | undefined, out: Destination[]): void {
    pushAll(this.set.destinations, out);
  }

  bindings(): Binding[] {
    const out: Binding[] = [];
    this.set.collect(this.name, out);
    return out;
  }

  get bindingCount(): number {
    return this.set.size;
  }
}

/**
 * The default exchange (""): every queue is bound to it by its own name, implicitly; nothing else
 * may be bound to or from it (403, as RabbitMQ).
 */
import type { FieldTable } from "@amqp-go/protocol";
import { type Binding, type Destination, Exchange } from "./exchange.js";

export class DefaultExchange extends Exchange {
  readonly type = "direct";

  constructor(private readonly lookup: (queue: string) => Destination | undefined) {
    super("", { durable: true, autoDelete: false, internal: false, arguments: {} });
  }

  bind(_destination: Destination, _routingKey: string, _args: FieldTable): boolean {
    return false;
  }

  unbind(_destination: Destination, _routingKey: string, _args: FieldTable): boolean {
    return false;
  }

  unbindAll(_destination: Destination): number {
    return 0;
  }

  route(routingKey: string, _headers: FieldTable | undefined, out: Destination[]): void {
    const q = this.lookup(routingKey);
    if (q !== undefined) out.push(q);
  }

  bindings(): Binding[] {
    return [];
  }

  get bindingCount(): number {
    return 0;
  }
}

/**
 * The direct exchange: a message goes to the destinations bound with exactly its routing key.
 * One map lookup per message.
 */
import type { FieldTable } from "@amqp-go/protocol";
import { pushAll } from "./binding-set.js";
import type { Destination } from "./exchange.js";
import { KeyedExchange } from "./keyed-exchange.js";

export class DirectExchange extends KeyedExchange {
  readonly type = "direct";

  route(routingKey: string, _headers: FieldTable | undefined, out: Destination[]): void {
    const set = this.byKey.get(routingKey);
    if (set !== undefined) pushAll(set.destinations, out);
  }
}

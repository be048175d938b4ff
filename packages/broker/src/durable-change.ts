/** A change to what survives a restart, as the vhost reports it to the broker (which journals it). */
import type { FieldTable } from "@amqp-go/protocol";
import type { Destination, Exchange } from "./exchange/exchange.js";
import type { Queue } from "./queue/queue.js";

export type DurableChange =
  | { readonly op: "queue" | "queue-deleted"; readonly vhost: string; readonly queue: Queue }
  | { readonly op: "exchange" | "exchange-deleted"; readonly vhost: string; readonly exchange: Exchange }
  | {
      readonly op: "bind" | "unbind";
      readonly vhost: string;
      readonly source: Exchange;
      readonly destination: Destination;
      readonly routingKey: string;
      readonly arguments: FieldTable;
    };

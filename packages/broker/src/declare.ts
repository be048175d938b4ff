/** What exchange.declare and queue.declare ask of a vhost. */
import type { FieldTable } from "@amqp-go/protocol";

export interface ExchangeDeclare {
  readonly name: string;
  readonly type: string;
  readonly passive: boolean;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly internal: boolean;
  readonly arguments: FieldTable;
}

export interface QueueDeclare {
  readonly name: string;
  /** For a server-named queue (name ""): the name to give it; default a fresh `amq.gen-...`. */
  readonly serverName?: string | undefined;
  readonly passive: boolean;
  readonly durable: boolean;
  readonly exclusive: boolean;
  readonly autoDelete: boolean;
  readonly arguments: FieldTable;
  /** Declared back from the saved definitions: arguments an older version accepted are not refused. */
  readonly recovered?: boolean;
}

/** The server-properties table of connection.start, with RabbitMQ's capability flags. */
import type { FieldTable } from "@amqp-go/protocol";

export function serverProperties(product: string, version: string): FieldTable {
  return {
    capabilities: {
      publisher_confirms: true,
      exchange_exchange_bindings: true,
      "basic.nack": true,
      consumer_cancel_notify: true,
      "connection.blocked": true,
      consumer_priorities: true,
      authentication_failure_close: true,
      per_consumer_qos: true,
      direct_reply_to: true,
    },
    cluster_name: "amqp-go",
    copyright: "amqp-go contributors",
    information: "Licensed under the MIT license. See https://github.com/amqp-go",
    platform: `Node.js ${process.version}`,
    product,
    version,
  };
}

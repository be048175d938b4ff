/** A topology with every kind of object a definitions file carries, as management API calls. */
export const topology = [
  ["PUT", "/api/exchanges/{vhost}/reimport-x", { type: "topic", durable: true }],
  ["PUT", "/api/exchanges/{vhost}/reimport-x2", { type: "fanout", durable: true, arguments: { "alternate-exchange": "reimport-x" } }],
  ["PUT", "/api/queues/{vhost}/reimport-q", { durable: true, arguments: { "x-message-ttl": 60000, "x-dead-letter-exchange": "reimport-x", "x-max-length": 100 } }],
  ["PUT", "/api/queues/{vhost}/reimport-lazy", { durable: true, arguments: { "x-queue-mode": "lazy", "x-max-priority": 5 } }],
  ["POST", "/api/bindings/{vhost}/e/reimport-x/q/reimport-q", { routing_key: "a.#", arguments: { "x-foo": "bar" } }],
  ["POST", "/api/bindings/{vhost}/e/reimport-x/e/reimport-x2", { routing_key: "b" }],
  ["PUT", "/api/policies/{vhost}/reimport-p", { pattern: "^reimport-", definition: { "max-length-bytes": 100000, "dead-letter-routing-key": "dl" }, "apply-to": "queues", priority: 3 }],
];

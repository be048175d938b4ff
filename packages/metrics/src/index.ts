/** @amqp-go/metrics: Prometheus metrics for the amqp-go broker. */
export { type BrokerMetricsOptions, brokerRegistry } from "./broker-metrics.js";
export { type MetricsServer, type MetricsServerOptions, startMetricsServer } from "./metrics-server.js";

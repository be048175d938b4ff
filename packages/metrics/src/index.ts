/** @amqp-go/metrics: Prometheus metrics for the amqp-go broker. */
export { type BrokerMetricsOptions, brokerEndpoints, brokerRegistry, type MetricsEndpoints } from "./broker-metrics.js";
export { type Endpoint, type Identity, newClusterId } from "./identity.js";
export { type MetricsServer, type MetricsServerOptions, startMetricsServer } from "./metrics-server.js";

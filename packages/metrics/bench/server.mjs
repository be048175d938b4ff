// A broker alone in this process, with the metrics endpoint when METRICS=1: prints {"port","metricsPort"}.
import { Broker } from "@amqp-go/broker";
import { brokerRegistry, startMetricsServer } from "../dist/index.js";

const broker = new Broker({ heartbeat: 0 });
const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
let metricsPort = 0;
if (process.env.METRICS === "1") {
  const m = await startMetricsServer({ registry: brokerRegistry(broker), port: 0, host: "127.0.0.1" });
  m.ready();
  metricsPort = m.port;
}
console.log(JSON.stringify({ port, metricsPort }));
process.on("SIGTERM", () => broker.close().then(() => process.exit(0)));

// A broker alone in this process, with the metrics endpoints when METRICS=1 and QUEUES idle queues
// (each with one message) beside the load's: prints {"port","metricsPort"}.
import { Broker, Message } from "@amqp-go/broker";
import { brokerEndpoints, startMetricsServer } from "../dist/index.js";

const broker = new Broker({ heartbeat: 0 });
const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
const vhost = broker.vhosts.get("/");
for (let i = 0; i < Number(process.env.QUEUES ?? 0); i++) {
  const q = vhost.declareQueue({ name: `idle-${i}`, passive: false, durable: false, exclusive: false, autoDelete: false, arguments: {} }, {});
  vhost.publish(new Message("", q.name, Buffer.from([0, 0]), Buffer.alloc(256)), [q]);
}
let metricsPort = 0;
if (process.env.METRICS === "1") {
  const m = await startMetricsServer({ registry: brokerEndpoints(broker), port: 0, host: "127.0.0.1" });
  m.ready();
  metricsPort = m.port;
}
console.log(JSON.stringify({ port, metricsPort }));
process.on("SIGTERM", () => broker.close().then(() => process.exit(0)));

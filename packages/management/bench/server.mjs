// A broker alone in this process with 1,000 extra queues, and the management API when
// MANAGEMENT=1: prints {"port","managementPort"}.
import { UserDb, UsersAuthenticator } from "@amqp-go/auth";
import { Broker } from "@amqp-go/broker";
import { MemoryUsers, startManagementServer } from "../dist/index.js";

const authenticator = new UsersAuthenticator({ db: UserDb.guestOnly() });
const broker = new Broker({ heartbeat: 0, authenticator });
const vhost = broker.vhosts.get("/");
const owner = {};
for (let i = 0; i < 1000; i++) vhost.declareQueue({ name: `idle-${i}`, passive: false, durable: false, exclusive: false, autoDelete: false, arguments: {} }, owner);
const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
let managementPort = 0;
if (process.env.MANAGEMENT === "1") {
  const m = await startManagementServer({ broker, users: new MemoryUsers(authenticator, broker), port: 0, host: "127.0.0.1" });
  managementPort = m.port;
}
console.log(JSON.stringify({ port, managementPort }));
process.on("SIGTERM", () => broker.close().then(() => process.exit(0)));

// Starts the broker alone in this process (for benchmarks): prints {"port":N} once listening.
import { Broker } from "../dist/index.js";

const broker = new Broker({ heartbeat: 0 });
const { port } = await broker.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
console.log(JSON.stringify({ port }));
process.on("SIGTERM", () => broker.close().then(() => process.exit(0)));

// Starts the broker alone in this process (for benchmarks): prints {"port":N} once listening
// (with DATA_DIR: after its messages are recovered, and {"recovery":...} too).
import { Broker } from "../dist/index.js";

const dataDir = process.env.DATA_DIR;
const broker = new Broker({ heartbeat: 0, ...(dataDir ? { dataDir } : {}) });
const { port } = await broker.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
console.log(JSON.stringify({ port, recovery: broker.store?.recovery ?? null }));
process.on("SIGTERM", () => broker.close().then(() => process.exit(0)));

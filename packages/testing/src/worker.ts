/**
 * The thread behind the CommonJS entry (index.cts): it runs the broker's ES modules in Node's own
 * loader, which test runners with a CommonJS module system of their own (Jest) cannot do. One
 * thread hosts every broker its process starts, so only the first start pays for the thread and
 * the module loading. Messages in: `{ id, op, args }` (args[0] is the broker's number, but for
 * "start"); out: `{ id, value }` or `{ id, error }`.
 */
import { parentPort } from "node:worker_threads";
import { startBroker } from "./test-broker.js";
import type { StartOptions, TestBroker, TestVhost } from "./types.js";

export type Op = "start" | "createVhost" | "deleteVhost" | "queues" | "waitForQueue" | "take" | "purgeAll" | "reset" | "stop";

export interface Request {
  readonly id: number;
  readonly op: Op;
  readonly args: readonly unknown[];
}

const port = parentPort!;
const brokers = new Map<number, TestBroker>();
const vhosts = new Map<string, TestVhost>();
let started = 0;

async function handle(op: Op, args: readonly unknown[]): Promise<unknown> {
  if (op === "start") {
    const broker = await startBroker(args[0] as StartOptions);
    brokers.set(++started, broker);
    return { broker: started, url: broker.url, host: broker.host, port: broker.port };
  }
  const [n, ...rest] = args as [number, ...unknown[]];
  const broker = brokers.get(n);
  if (broker === undefined) throw new Error("the broker is stopped");
  switch (op) {
    case "createVhost": {
      const v = await broker.createVhost(...(rest as [string?]));
      vhosts.set(`${n}/${v.name}`, v);
      return { name: v.name, url: v.url };
    }
    case "deleteVhost":
      await vhosts.get(`${n}/${rest[0] as string}`)?.delete();
      vhosts.delete(`${n}/${rest[0] as string}`);
      return undefined;
    case "stop":
      brokers.delete(n);
      return broker.stop();
    default:
      return (broker[op] as (...a: unknown[]) => Promise<unknown>).apply(broker, rest);
  }
}

port.on("message", (r: Request) => {
  handle(r.op, r.args).then(
    (value) => port.postMessage({ id: r.id, value }),
    (e: Error) => port.postMessage({ id: r.id, error: { message: e.message, name: e.name } }),
  );
});

/** Brokers on a data directory for the storage fault tests: start, stop, and the lines they log. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storageFaults } from "@amqp-go/storage";
import amqp from "amqplib";
import { afterEach } from "vitest";
import { Broker, type BrokerOptions, type Logger } from "../src/index.js";
import type { ChannelModel } from "./helpers.js";

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  obj: Record<string, unknown>;
}

/** A logger that keeps every line (and its children's) in `lines`. */
export function recordingLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const make = (bindings: Record<string, unknown>): Logger & { lines: LogLine[] } => {
    const at = (level: LogLine["level"]) => (obj: object, msg?: string) => {
      lines.push({ level, msg: msg ?? "", obj: { ...bindings, ...(obj as Record<string, unknown>) } });
    };
    return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: (b) => make({ ...bindings, ...b }) };
  };
  return make({});
}

export interface Running {
  broker: Broker;
  url: string;
  log: LogLine[];
}

const dirs: string[] = [];
const brokers: Broker[] = [];
afterEach(async () => {
  storageFaults.failWith(null);
  storageFaults.syncDelayMs = 0;
  storageFaults.freeBytes = null;
  for (const b of brokers.splice(0)) await b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), "amqp-go-faults-"));
  dirs.push(d);
  return d;
}

/** Fast retries, so that tests wait for tens of milliseconds, not seconds. */
export const FAST_RETRY = { storage: { retryInterval: 20, checkpointInterval: 50 }, diskCheckInterval: 20 } as const;

export async function start(dir: string, options: BrokerOptions = {}): Promise<Running> {
  const logger = recordingLogger();
  const broker = new Broker({ heartbeat: 0, dataDir: dir, logger, ...FAST_RETRY, ...options, storage: { ...FAST_RETRY.storage, ...options.storage } });
  brokers.push(broker);
  const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
  return { broker, url: `amqp://guest:guest@127.0.0.1:${port}`, log: logger.lines };
}

export async function stop(r: Running): Promise<void> {
  const i = brokers.indexOf(r.broker);
  if (i >= 0) brokers.splice(i, 1);
  await r.broker.close();
}

export async function connect(url: string): Promise<ChannelModel> {
  const c = await amqp.connect(url, { noDelay: true });
  c.on("error", () => {});
  return c;
}

/** Every message of `queue` by basic.get, acked. */
export async function drain(url: string, queue: string): Promise<string[]> {
  const c = await connect(url);
  const ch = await c.createChannel();
  const out: string[] = [];
  for (;;) {
    const m = await ch.get(queue);
    if (m === false) break;
    out.push(m.content.toString());
    ch.ack(m);
  }
  await c.close();
  return out;
}

/** The log lines whose message contains `text`. */
export function linesWith(log: LogLine[], text: string): LogLine[] {
  return log.filter((l) => l.msg.includes(text));
}

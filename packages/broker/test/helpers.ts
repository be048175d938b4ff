/** Starts a real broker on a free port for a test file, and connects amqplib clients to it. */
import amqp from "amqplib";
import { afterAll, beforeAll } from "vitest";
import { Broker, type BrokerOptions, GuestAuthenticator, type Permission, type Resource } from "../src/index.js";

export interface TestBroker {
  broker: Broker;
  url: string;
  port: number;
}

/** Credit flow out of the way, so that the memory alarm is what stops publishers (its own tests). */
export const ALARM_ONLY = { queueFlowBytes: Number.MAX_SAFE_INTEGER, idleQueueFlowBytes: Number.MAX_SAFE_INTEGER } as const;

/** A broker for the whole test file, closed after it. */
export function useBroker(options: BrokerOptions = {}): TestBroker {
  const t = {} as TestBroker;
  beforeAll(async () => {
    t.broker = new Broker({ heartbeat: 0, ...options });
    const { port } = await t.broker.listen({ port: 0, host: "127.0.0.1" });
    t.port = port;
    t.url = `amqp://guest:guest@127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await t.broker.close();
  });
  return t;
}

export type ChannelModel = Awaited<ReturnType<typeof amqp.connect>>;
export type Channel = Awaited<ReturnType<ChannelModel["createChannel"]>>;

/** Connects, runs `fn`, and closes the connection whatever happens. */
export async function withConnection<T>(url: string, fn: (c: ChannelModel) => Promise<T>): Promise<T> {
  const c = await amqp.connect(url);
  c.on("error", () => {});
  try {
    return await fn(c);
  } finally {
    await c.close().catch(() => {});
  }
}

/** A channel whose errors are recorded instead of thrown. */
export async function channel(c: ChannelModel): Promise<Channel & { closedWith?: { code: number; message: string } }> {
  const ch = (await c.createChannel()) as Channel & { closedWith?: { code: number; message: string } };
  ch.on("error", (e: Error & { code?: number }) => {
    ch.closedWith = { code: e.code ?? 0, message: e.message };
  });
  return ch;
}

/** Expects `p` to reject with an AMQP error of reply code `code`; returns its message. */
export async function rejectsWith(p: Promise<unknown>, code: number): Promise<string> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { code?: number };
    if (err.code !== code) throw new Error(`expected reply code ${code}, got ${err.code}: ${err.message}`);
    return err.message;
  }
  throw new Error(`expected reply code ${code}, but it succeeded`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `ready()` holds (polling every 5 ms), failing after `timeoutMs`: no fixed sleep for a loaded machine to miss. */
export async function until(ready: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** guest, allowed everything but what `denied` lists ("permission kind:name"); records what it was asked. */
export class RecordingAuthenticator extends GuestAuthenticator {
  readonly asked: string[] = [];
  constructor(private readonly denied: string[]) {
    super();
  }
  checkPermission(_user: string, _vhost: string, permission: Permission, r: Resource): boolean {
    const key = `${permission} ${r.kind}:${r.name}`;
    this.asked.push(key);
    return !this.denied.includes(key);
  }
}

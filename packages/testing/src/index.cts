/**
 * The CommonJS entry (`require("@amqp-go/testing")`, Jest's default transform): the same API, with
 * the brokers in a worker thread, since a CommonJS module system of a test runner's own cannot load
 * the broker's ES modules (Jest's `require` refuses them even where Node's accepts them). The thread
 * is started by the first startBroker() and hosts every broker after it; while no broker runs it is
 * unref'd, so it never keeps the process alive.
 */
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import type { QueueInfo, StartOptions, TakenMessage, TestBroker, TestVhost, WaitOptions } from "./types.js";
import type { Op } from "./worker.js";

export type { QueueInfo, StartOptions, TakenMessage, TestBroker, TestVhost, WaitOptions };

interface Reply {
  readonly id: number;
  readonly value?: unknown;
  readonly error?: { readonly message: string; readonly name: string };
}

function failure(e: NonNullable<Reply["error"]>): Error {
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/** The worker thread and the calls waiting for its answers. */
class Host {
  private next = 1;
  private running = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  readonly worker = new Worker(join(__dirname, "worker.js"));

  constructor() {
    this.worker.on("message", (r: Reply) => {
      const p = this.pending.get(r.id);
      if (p === undefined) return;
      this.pending.delete(r.id);
      if (r.error !== undefined) p.reject(failure(r.error));
      else p.resolve(r.value);
    });
    this.worker.on("error", (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      host = null;
    });
  }

  call(op: Op, ...args: unknown[]): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  /** A broker starts (+1) or stops (-1): the thread keeps the process alive only while one runs. */
  count(delta: number): void {
    this.running += delta;
    if (this.running > 0) this.worker.ref();
    else this.worker.unref();
  }
}

let host: Host | null = null;

class WorkerBroker implements TestBroker {
  constructor(
    private readonly thread: Host,
    private readonly n: number,
    readonly url: string,
    private readonly hostName: string,
    readonly port: number,
  ) {}

  get host(): string {
    return this.hostName;
  }

  async createVhost(name?: string): Promise<TestVhost> {
    const v = (await this.thread.call("createVhost", this.n, ...(name === undefined ? [] : [name]))) as { name: string; url: string };
    return { ...v, delete: async () => void (await this.thread.call("deleteVhost", this.n, v.name)) };
  }
  queues(vhost?: string): Promise<QueueInfo[]> {
    return this.thread.call("queues", this.n, vhost) as Promise<QueueInfo[]>;
  }
  waitForQueue(queue: string, options?: WaitOptions): Promise<QueueInfo> {
    return this.thread.call("waitForQueue", this.n, queue, options) as Promise<QueueInfo>;
  }
  async take(queue: string, options?: { readonly vhost?: string; readonly max?: number }): Promise<TakenMessage[]> {
    const taken = (await this.thread.call("take", this.n, queue, options)) as TakenMessage[];
    // Buffers cross the thread as Uint8Arrays: make them Buffers again.
    return taken.map((m) => ({ ...m, body: Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength) }));
  }
  purgeAll(vhost?: string): Promise<number> {
    return this.thread.call("purgeAll", this.n, vhost) as Promise<number>;
  }
  async reset(): Promise<void> {
    await this.thread.call("reset", this.n);
  }
  async stop(): Promise<void> {
    await this.thread.call("stop", this.n);
    this.thread.count(-1);
  }
}

export async function startBroker(options: StartOptions = {}): Promise<TestBroker> {
  const h = (host ??= new Host());
  h.count(+1);
  try {
    const v = (await h.call("start", options)) as { broker: number; url: string; host: string; port: number };
    return new WorkerBroker(h, v.broker, v.url, v.host, v.port);
  } catch (e) {
    h.count(-1);
    throw e;
  }
}

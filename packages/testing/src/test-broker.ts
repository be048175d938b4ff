/**
 * The broker of a test, in this process: a real @amqp-go/broker listening on loopback, plus the
 * helpers a test wants (fresh vhosts, queue depths, taking what was published, reset).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Broker, type Queue } from "@amqp-go/broker";
import type { QueueInfo, StartOptions, TakenMessage, TestBroker, TestVhost, WaitOptions } from "./types.js";

let brokers = 0;

export async function startBroker(options: StartOptions = {}): Promise<TestBroker> {
  const dataDir = options.durable === true ? await mkdtemp(join(tmpdir(), "amqp-go-testing-")) : undefined;
  const broker = new Broker({
    heartbeat: options.heartbeat ?? 0,
    product: "amqp-go (testing)",
    ...(dataDir === undefined ? {} : { dataDir, diskFreeLimit: 0 }),
  });
  const host = options.host ?? "127.0.0.1";
  try {
    const { port } = await broker.listen({ port: options.port ?? 0, host });
    return new InProcessBroker(broker, host, port, dataDir);
  } catch (e) {
    await broker.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
}

function info(q: Queue): QueueInfo {
  return { vhost: q.vhost, name: q.name, messages: q.messageCount, unacked: q.unacked, consumers: q.consumerCount, durable: q.options.durable };
}

class InProcessBroker implements TestBroker {
  readonly url: string;
  private vhostCount = 0;
  private readonly id = ++brokers;

  constructor(
    private readonly broker: Broker,
    readonly host: string,
    readonly port: number,
    private readonly dataDir: string | undefined,
  ) {
    this.url = `amqp://guest:guest@${host.includes(":") ? `[${host}]` : host}:${port}`;
  }

  async createVhost(name = `test-${this.id}-${++this.vhostCount}`): Promise<TestVhost> {
    this.broker.addVhost(name);
    return {
      name,
      url: `${this.url}/${encodeURIComponent(name)}`,
      delete: async () => void this.broker.removeVhost(name),
    };
  }

  private vhost(name: string) {
    const v = this.broker.vhosts.get(name);
    if (v === undefined) throw new Error(`no vhost '${name}'`);
    return v;
  }

  async queues(vhost = "/"): Promise<QueueInfo[]> {
    return [...this.vhost(vhost).queues.values()].map(info).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async waitForQueue(queue: string, options: WaitOptions = {}): Promise<QueueInfo> {
    const depth = options.depth ?? 1;
    const deadline = Date.now() + (options.timeout ?? 5000);
    const vhost = options.vhost ?? "/";
    for (;;) {
      const q = this.broker.vhosts.get(vhost)?.queues.get(queue);
      if (q !== undefined && q.messageCount >= depth) return info(q);
      if (Date.now() >= deadline) {
        const held = q === undefined ? "does not exist" : `holds ${q.messageCount} ready`;
        throw new Error(`queue '${queue}' in vhost '${vhost}' ${held}, waited for ${depth}`);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  async take(queue: string, options: { readonly vhost?: string; readonly max?: number } = {}): Promise<TakenMessage[]> {
    const vhost = options.vhost ?? "/";
    const q = this.vhost(vhost).queues.get(queue);
    if (q === undefined) throw new Error(`no queue '${queue}' in vhost '${vhost}'`);
    const out: TakenMessage[] = [];
    const max = options.max ?? Infinity;
    while (out.length < max) {
      const entry = q.fetch(true);
      if (entry === undefined) break;
      const m = entry.message;
      out.push({ exchange: m.exchange, routingKey: m.routingKey, body: Buffer.from(m.body), properties: { ...m.properties }, redelivered: entry.redelivered });
    }
    return out;
  }

  async purgeAll(vhost?: string): Promise<number> {
    let n = 0;
    for (const [name, v] of this.broker.vhosts) if (vhost === undefined || name === vhost) for (const q of v.queues.values()) n += q.purge();
    return n;
  }

  async reset(): Promise<void> {
    for (const name of [...this.broker.vhosts.keys()]) this.broker.removeVhost(name);
    this.broker.addVhost("/");
  }

  async stop(): Promise<void> {
    await this.broker.close("test broker stopped");
    if (this.dataDir !== undefined) await rm(this.dataDir, { recursive: true, force: true });
  }
}

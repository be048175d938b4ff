/**
 * The real broker, in-process, for the client-compatibility suite: listening on a free port, and
 * restartable on that SAME port (as a broker restart looks to a client that reconnects).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Broker, type BrokerOptions } from "@amqp-go/broker";

export interface ServerOptions {
  /** Keep durable queues and persistent messages in a temporary data directory, across restarts. Default true. */
  durable?: boolean;
  /** Anything else the broker takes (the heartbeat it proposes defaults to RabbitMQ's 60 s). */
  broker?: Omit<BrokerOptions, "dataDir">;
}

export class TestServer {
  private current: Broker | undefined;
  private bound = 0;
  private readonly brokerOptions: BrokerOptions;
  private readonly dataDir: string | undefined;

  constructor(options: ServerOptions = {}) {
    this.dataDir = options.durable === false ? undefined : mkdtempSync(join(tmpdir(), "amqp-go-clients-"));
    this.brokerOptions = { ...options.broker, ...(this.dataDir === undefined ? {} : { dataDir: this.dataDir }) };
  }

  /** Starts the broker on 127.0.0.1, on a port the system picks. */
  async start(): Promise<this> {
    const broker = new Broker(this.brokerOptions);
    this.bound = (await broker.listen({ port: 0, host: "127.0.0.1" })).port;
    this.current = broker;
    return this;
  }

  get port(): number {
    if (this.bound === 0) throw new Error("the test server is not started");
    return this.bound;
  }

  /** The broker serving now (a new one after each restart). */
  get broker(): Broker {
    if (this.current === undefined) throw new Error("the test server is not started");
    return this.current;
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  /** `url` with a heartbeat (seconds) asked for in the query, as amqplib and @cloudamqp/amqp-client read it. */
  urlWithHeartbeat(seconds: number): string {
    return `${this.url}?heartbeat=${seconds}`;
  }

  /**
   * Messages a queue of the default vhost still holds, ready or delivered and not yet acked (so an
   * ack, reject or nack shows here once the broker processed it); undefined when there is no such queue.
   */
  heldCount(queue: string): number | undefined {
    const q = this.broker.vhosts.get("/")?.queues.get(queue);
    return q === undefined ? undefined : q.messageCount + q.unacked;
  }

  /** Stops the broker (connections are closed with 320 CONNECTION_FORCED) and starts a new one on the same port and data directory. */
  async restart(): Promise<void> {
    await this.broker.close("broker restart");
    const next = new Broker(this.brokerOptions);
    await listenWithRetry(next, this.port);
    this.current = next;
  }

  /** Stops the broker and removes its data directory. */
  async stop(): Promise<void> {
    await this.current?.close();
    if (this.dataDir !== undefined) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** The port was ours a moment ago; on a busy machine its release can lag, so EADDRINUSE is retried for a while. */
async function listenWithRetry(broker: Broker, port: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await broker.listen({ port, host: "127.0.0.1" });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE" || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

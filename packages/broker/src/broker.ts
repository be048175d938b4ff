/**
 * The broker: vhosts, listeners and connections. `new Broker(options).listen({ port })` is a running
 * AMQP 0-9-1 server; `close()` ends every connection with 320 CONNECTION_FORCED.
 */
import { createServer, type Server, type Socket } from "node:net";
import { totalmem } from "node:os";
import { GuestAuthenticator } from "./authenticator.js";
import type { BrokerOptions, ResolvedBrokerOptions } from "./broker-options.js";
import { Connection } from "./connection/connection.js";
import { MemoryMonitor } from "./memory.js";
import { BrokerCounters, silentLogger } from "./ports.js";
import { Vhost } from "./vhost.js";
import { type Definitions, definitionsOf, restoreDefinitions } from "./definitions.js";
import { MetadataStore } from "@amqp-go/storage";
import { join } from "node:path";

export interface ListenOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
}

export class Broker {
  readonly options: ResolvedBrokerOptions;
  readonly vhosts = new Map<string, Vhost>();
  readonly connections = new Set<Connection>();
  readonly memory: MemoryMonitor;
  /** Running totals for metrics; read them, never reset them. */
  readonly counters = new BrokerCounters();
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();

  constructor(options: BrokerOptions = {}) {
    this.options = {
      heartbeat: options.heartbeat ?? 60,
      frameMax: options.frameMax ?? 131072,
      channelMax: options.channelMax ?? 2047,
      maxMessageSize: options.maxMessageSize ?? 128 * 1024 * 1024,
      handshakeTimeout: options.handshakeTimeout ?? 10_000,
      handshakeErrorDelay: options.handshakeErrorDelay ?? 3000,
      memoryHighWatermark: options.memoryHighWatermark ?? Math.floor(totalmem() * 0.4),
      logger: options.logger ?? silentLogger,
      authenticator: options.authenticator ?? new GuestAuthenticator(),
      product: options.product ?? "amqp-go",
      version: options.version ?? "0.1.0",
    };
    this.memory = new MemoryMonitor(this.options.memoryHighWatermark);
    this.memory.onAlarm((alarm) => {
      this.options.logger.warn({ bytes: this.memory.bytes, watermark: this.memory.highWatermark, alarm }, alarm ? "memory alarm set" : "memory alarm cleared");
      for (const c of this.connections) c.onMemoryAlarm(alarm);
    });
    this.addVhost("/");
    if (options.dataDir !== undefined) this.openMetadata(options.dataDir);
  }

  addVhost(name: string): Vhost {
    let v = this.vhosts.get(name);
    if (v === undefined) {
      v = new Vhost(name, this.memory);
      this.vhosts.set(name, v);
      if (this.metadata !== null) {
        v.onDurableChange = this.saveDefinitions;
        this.saveDefinitions();
      }
    }
    return v;
  }

  /** Durable exchanges, queues and bindings of `dataDir`, restored now and saved on every change. */
  private metadata: MetadataStore<Definitions> | null = null;
  private readonly saveDefinitions = (): void => {
    // Synchronous (write, fsync, rename): a declare-ok goes out only once the declaration is on disk.
    this.metadata?.saveSync(definitionsOf(this.vhosts.values()));
  };

  private openMetadata(dataDir: string): void {
    const store = new MetadataStore<Definitions>(join(dataDir, "metadata"), "definitions.json");
    const defs = store.load();
    if (defs !== undefined) {
      restoreDefinitions(defs, (name) => this.addVhost(name));
      this.options.logger.info(
        { exchanges: defs.exchanges.length, queues: defs.queues.length, bindings: defs.bindings.length },
        "durable definitions restored",
      );
    }
    this.metadata = store;
    for (const v of this.vhosts.values()) v.onDurableChange = this.saveDefinitions;
    this.saveDefinitions();
  }

  /**
   * Deletes a vhost as RabbitMQ does: its connections are closed with 320 CONNECTION_FORCED
   * ("vhost 'v' is deleted"), then its queues and exchanges go. False if there was no such vhost.
   */
  removeVhost(name: string): boolean {
    const v = this.vhosts.get(name);
    if (v === undefined) return false;
    this.vhosts.delete(name);
    for (const c of [...this.connections]) if (c.vhost === v) c.forceClose("vhost deleted", `vhost '${name}' is deleted`);
    for (const q of [...v.queues.values()]) v.removeQueue(q);
    this.saveDefinitions();
    this.options.logger.info({ vhost: name }, "vhost deleted");
    return true;
  }

  /**
   * Closes every open connection of `user` with 320 CONNECTION_FORCED and `explanation` (RabbitMQ
   * closes a deleted user's connections with "user 'u' is deleted"). Returns how many.
   */
  closeConnectionsOf(user: string, explanation = `user '${user}' is deleted`): number {
    let n = 0;
    for (const c of [...this.connections]) {
      if (c.user !== user) continue;
      c.forceClose("user", explanation);
      n++;
    }
    return n;
  }

  /** Starts accepting AMQP connections; resolves to the address actually bound. */
  listen(options: ListenOptions): Promise<{ port: number; address: string }> {
    const server = createServer((socket) => this.accept(socket));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.host, () => {
        server.off("error", reject);
        const a = server.address();
        if (a === null || typeof a === "string") return reject(new Error("no address"));
        resolve({ port: a.port, address: a.address });
      });
    });
  }

  /** Serves an already connected socket (a listener of the application's own, TLS...). */
  accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    new Connection(this, socket);
  }

  connectionOpened(c: Connection): void {
    this.connections.add(c);
    this.counters.connectionsOpened++;
  }

  connectionClosed(c: Connection): void {
    if (this.connections.delete(c)) this.counters.connectionsClosed++;
  }

  /** Open channels over all connections. */
  get channelCount(): number {
    let n = 0;
    for (const c of this.connections) n += c.channelCount;
    return n;
  }

  /** Stops listening and closes every connection with 320 CONNECTION_FORCED. */
  async close(reason = "shutdown"): Promise<void> {
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const c of [...this.connections]) c.forceClose(reason);
    // Sockets still in the handshake, or whose client does not answer close-ok in time, are cut.
    const deadline = Date.now() + 2000;
    while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

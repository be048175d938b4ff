/**
 * The broker: vhosts, listeners and connections. `new Broker(options).listen({ port })` is a running
 * AMQP 0-9-1 server; `close()` ends every connection with 320 CONNECTION_FORCED.
 */
import { ConsumerTimeouts } from "./channel/consumer-timeout.js";
import { createServer, type Server, type Socket } from "node:net";
import { totalmem } from "node:os";
import { type BrokerOptions, type ResolvedBrokerOptions, resolveBrokerOptions } from "./broker-options.js";
import { Connection } from "./connection/connection.js";
import { availableMemory, MemoryMonitor } from "./memory.js";
import { DiskMonitor } from "./disk.js";
import { BrokerCounters } from "./ports.js";
import { Vhost } from "./vhost.js";
import { STORAGE_SETTINGS, StorageStats } from "@amqp-go/storage";
import { DefinitionsFile } from "./definitions-file.js";
import { DurableQueues } from "./durable-queues.js";
import { HandshakeLimit } from "./connection/handshake-limit.js";
import type { MessageStore } from "./store/message-store.js";
import { DeadLetterCounters } from "./dead-letters.js";
import type { FlowLimits } from "./queue/flow.js";
import type { ReadingState } from "./connection/flow.js";
import { makePolicy, type Policy, type PolicyInput } from "./policy/policy.js";

/** How a socket that an application's own listener accepted is served (Broker.accept). */
export interface AcceptOptions {
  /** When the TCP connection arrived: a TLS handshake before accept() counts against handshake_timeout. */
  readonly connectedAt?: number;
  /** The place in the handshake the listener took with enterHandshake(); without it accept() takes one. */
  readonly leaveHandshake?: () => void;
}

export interface ListenOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
}

export class Broker {
  readonly options: ResolvedBrokerOptions;
  /** Messages of durable queues on disk; null without a data directory (or before recovery ends). */
  get store(): MessageStore | null {
    return this.durable.store;
  }
  /**
   * Resolves once durable messages are recovered (at once without a data directory); listen()
   * waits for it. Rejects when the data directory cannot be read.
   */
  readonly ready: Promise<void>;
  private recovered = false;
  readonly vhosts = new Map<string, Vhost>();
  readonly connections = new Set<Connection>();
  readonly memory: MemoryMonitor;
  /** The disk alarm on the data directory's file system (null without a data directory). */
  readonly disk: DiskMonitor | null = null;
  /** consumer_timeout: one timer for every channel's deliveries (channel/consumer-timeout.ts). */
  readonly consumerTimeouts: ConsumerTimeouts;
  /** Open connections in `state`: held back by credit flow ("flow"), by the memory alarm ("blocked"), or read. */
  connectionsIn(state: ReadingState): number {
    let n = 0;
    for (const c of this.connections) if (c.reading.state === state) n++;
    return n;
  }

  /** Where a queue holds back the connections that publish to it (credit flow, queue/flow.ts). */
  private get flowLimits(): FlowLimits {
    return { consumed: this.options.queueFlowBytes, idle: this.options.idleQueueFlowBytes };
  }
  /** Running totals for metrics; read them, never reset them. */
  readonly counters = new BrokerCounters();
  /** What the message store counts (zeros without a data directory). */
  readonly storageStats = new StorageStats();
  /** Dead-lettered and dropped messages by reason, for every vhost (metrics). */
  readonly deadLetterCounters = new DeadLetterCounters();
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  /** max_handshaking_connections (connection/handshake-limit.ts). */
  private readonly handshakes: HandshakeLimit;
  /** Recovery, files and paging of the durable queues (durable-queues.ts). */
  private readonly durable: DurableQueues;
  /** The durable definitions of the data directory; null without one. */
  private definitions: DefinitionsFile | null = null;

  constructor(options: BrokerOptions = {}) {
    // A fractional watermark is a share of the cgroup's memory when that is below the machine's.
    this.options = resolveBrokerOptions(options, availableMemory(totalmem(), process.constrainedMemory?.()));
    this.handshakes = new HandshakeLimit(this.options.maxHandshakingConnections, this.counters, this.options.logger);
    const memory = new MemoryMonitor(this.options.memoryHighWatermark);
    this.memory = memory;
    memory.onAlarm((alarm) => {
      this.options.logger.warn(
        { alarm, reason: memory.reason, bytes: memory.bytes, watermark: memory.highWatermark, heapUsed: memory.heapUsed, heapLimit: memory.heapLimit },
        alarm ? "memory alarm set" : "memory alarm cleared",
      );
      if (!alarm && this.disk?.alarmed !== true) for (const c of this.connections) c.reading.alarmCleared();
      // Durable queues give back the memory of what is on disk anyway (after the listeners: the
      // alarm may clear from it).
      if (alarm && this.store !== null) setImmediate(this.durable.pageOut);
    });
    memory.start();
    this.durable = new DurableQueues(this.vhosts, this.options, memory, this.storageStats);
    this.consumerTimeouts = new ConsumerTimeouts(this.options.consumerTimeout);
    this.consumerTimeouts.start();
    this.addVhost("/");
    if (options.dataDir !== undefined) {
      this.openDefinitions(options.dataDir, options.storage?.retryInterval ?? STORAGE_SETTINGS.retryInterval.default);
      const disk = new DiskMonitor(options.dataDir, this.options.diskFreeLimit, this.options.logger);
      disk.onAlarm((alarm) => {
        if (!alarm && !memory.alarmed) for (const c of this.connections) c.reading.alarmCleared();
      });
      disk.start(this.options.diskCheckInterval);
      this.disk = disk;
      this.ready = this.durable.open(options.dataDir, options, this.definitions!.savedNextStoreId).then(() => {
        this.definitions?.recovered();
        this.recovered = true;
      });
    } else {
      this.recovered = true;
      this.ready = Promise.resolve();
    }
  }

  addVhost(name: string): Vhost {
    let v = this.vhosts.get(name);
    if (v === undefined) {
      v = new Vhost(name, this.memory, this.flowLimits, this.deadLetterCounters, this.counters);
      this.vhosts.set(name, v);
      if (this.definitions !== null) {
        v.onDurableChange = this.definitions.save;
        if (this.store !== null) v.storage = this.durable;
        this.definitions.save();
      }
    }
    return v;
  }

  /** Durable exchanges, queues and bindings of `dataDir`, restored now and saved on every change. */
  private openDefinitions(dataDir: string, retryInterval: number): void {
    const file = new DefinitionsFile(dataDir, this.vhosts, () => this.store?.nextId, () => this.store?.failure ?? null, this.options.logger, retryInterval);
    file.restore((name) => this.addVhost(name));
    this.definitions = file;
    for (const v of this.vhosts.values()) v.onDurableChange = file.save;
    file.saveIfDue();
  }

  /** Makes the journaled durable changes durable: Connection.flush calls it before replies go out. */
  syncDefinitions(): void {
    this.definitions?.sync();
  }

  /**
   * Sets policy `name` in `vhost` (RabbitMQ's set_policy): applied at once to the queues it
   * matches, saved with the durable definitions. Throws a PolicyError with RabbitMQ's reason for
   * an invalid one, an Error when there is no such vhost. True when the policy is new.
   */
  setPolicy(vhost: string, name: string, input: PolicyInput, operator = false): boolean {
    const v = this.vhosts.get(vhost);
    if (v === undefined) throw new Error(`no vhost '${vhost}'`);
    return v.setPolicy(makePolicy(vhost, name, input, operator), operator);
  }

  /** Removes a policy; its queues go back to their own arguments. False when there was none. */
  clearPolicy(vhost: string, name: string, operator = false): boolean {
    return this.vhosts.get(vhost)?.clearPolicy(name, operator) ?? false;
  }

  /**
   * An operator policy (RabbitMQ's set_operator_policy): limits only (`expires`, `message-ttl`,
   * `max-length`, `max-length-bytes`, `delivery-limit`...), applied besides the queue's policy,
   * the lower value winning. Saved with the durable definitions.
   */
  setOperatorPolicy(vhost: string, name: string, input: PolicyInput): boolean {
    return this.setPolicy(vhost, name, input, true);
  }

  clearOperatorPolicy(vhost: string, name: string): boolean {
    return this.clearPolicy(vhost, name, true);
  }

  /** The policies (`operator`: operator policies) of `vhost` (all vhosts when undefined), sorted by vhost then name. */
  policies(vhost?: string, operator = false): Policy[] {
    const out: Policy[] = [];
    for (const v of this.vhosts.values()) if (vhost === undefined || v.name === vhost) out.push(...(operator ? v.operatorPolicies : v.policies).values());
    return out.sort((a, b) => (a.vhost === b.vhost ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.vhost < b.vhost ? -1 : 1));
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
    this.definitions?.save();
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
  async listen(options: ListenOptions): Promise<{ port: number; address: string }> {
    await this.ready;
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

  /**
   * Serves an already connected socket (a listener of the application's own, TLS...). Before
   * recovery ends the socket waits, unread: a client must not see a durable queue half recovered.
   */
  accept(socket: Socket, options: AcceptOptions = {}): void {
    const connectedAt = options.connectedAt ?? Date.now();
    let leave = options.leaveHandshake;
    if (leave === undefined) {
      const entered = this.enterHandshake();
      if (entered === null) {
        this.refuseHandshake(socket);
        return;
      }
      leave = entered;
    }
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    if (this.recovered) {
      new Connection(this, socket, connectedAt, leave);
      return;
    }
    socket.pause();
    const held = leave;
    this.ready.then(
      () => {
        if (socket.destroyed) return held();
        new Connection(this, socket, connectedAt, held);
        socket.resume();
      },
      () => {
        held();
        socket.destroy();
      },
    );
  }

  /**
   * Takes a place among the connections in the handshake: the function that gives it back (once; a
   * Connection does at open or close), or null when all `maxHandshakingConnections` are taken. A
   * listener that handshakes first (TLS) takes it when the TCP connection arrives.
   */
  enterHandshake(): (() => void) | null {
    return this.handshakes.enter();
  }

  /** A socket over the handshake limit is closed at once; one log line a second says how many were. */
  refuseHandshake(socket: Socket): void {
    this.handshakes.refuse(socket);
  }

  /** Connections accepted that have not finished their handshake (TLS ones included). */
  get handshakingConnections(): number {
    return this.handshakes.count;
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
    this.memory.stop();
    this.disk?.stop();
    this.definitions?.stop();
    this.consumerTimeouts.stop();
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const c of [...this.connections]) c.forceClose(reason);
    // Sockets still in the handshake, or whose client does not answer close-ok in time, are cut.
    const deadline = Date.now() + 2000;
    while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const s of this.sockets) s.destroy();
    await closed;
    await this.ready.catch(() => undefined);
    this.definitions?.close();
    for (const v of this.vhosts.values()) for (const q of v.queues.values()) q.stopTimers();
    await this.durable.close();
  }
}

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
import { type Definitions, definitionsOf, restoreDefinitions } from "./definitions.js";
import { MetadataStore, STORAGE_SETTINGS } from "@amqp-go/storage";
import { FaultLog } from "./store/fault-log.js";
import { join } from "node:path";
import type { StoredBacklog } from "./queue/backlog.js";
import { DiskBacklog } from "./queue/disk-backlog.js";
import { PriorityBacklog } from "./queue/priority-backlog.js";
import type { Queue } from "./queue/queue.js";
import { MessageStore, type RecoveringQueue } from "./store/message-store.js";
import { StorageStats } from "./store/storage-stats.js";
import { DeadLetterCounters } from "./dead-letters.js";
import type { QueueStorage } from "./vhost.js";
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

export class Broker implements QueueStorage {
  readonly options: ResolvedBrokerOptions;
  /** Messages of durable queues on disk; null without a data directory (or before recovery ends). */
  store: MessageStore | null = null;
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
  private handshaking = 0;
  private lastRefusalLog = 0;

  constructor(options: BrokerOptions = {}) {
    // A fractional watermark is a share of the cgroup's memory when that is below the machine's.
    this.options = resolveBrokerOptions(options, availableMemory(totalmem(), process.constrainedMemory?.()));
    this.faults = new FaultLog(this.options.logger);
    this.retryInterval = options.storage?.retryInterval ?? STORAGE_SETTINGS.retryInterval.default;
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
      if (alarm && this.store !== null) setImmediate(this.pageOut);
    });
    memory.start();
    this.consumerTimeouts = new ConsumerTimeouts(this.options.consumerTimeout);
    this.consumerTimeouts.start();
    this.addVhost("/");
    if (options.dataDir !== undefined) {
      this.openMetadata(options.dataDir);
      const disk = new DiskMonitor(options.dataDir, this.options.diskFreeLimit, this.options.logger);
      disk.onAlarm((alarm) => {
        if (!alarm && !memory.alarmed) for (const c of this.connections) c.reading.alarmCleared();
      });
      disk.start(this.options.diskCheckInterval);
      this.disk = disk;
      this.ready = this.openStore(options.dataDir, options).then(() => {
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
      if (this.metadata !== null) {
        v.onDurableChange = this.saveDefinitions;
        if (this.store !== null) v.storage = this;
        this.saveDefinitions();
      }
    }
    return v;
  }

  /** Durable exchanges, queues and bindings of `dataDir`, restored now and saved on every change. */
  private metadata: MetadataStore<Definitions> | null = null;
  /**
   * Synchronous (write, fsync, rename): a declare-ok goes out only once the declaration is on disk.
   * Never throws: a failure (a full disk) is logged once, returned (a declaration is refused), and
   * the save tried again every retryInterval until it goes through.
   */
  private readonly saveDefinitions = (): Error | null => {
    if (this.metadata === null) return null;
    try {
      this.metadata.saveSync(definitionsOf(this.vhosts.values(), this.store?.nextId ?? this.savedNextStoreId));
    } catch (err) {
      this.faults.failed("definitions", err as Error, "saving the durable definitions failed");
      this.definitionsRetry ??= setTimeout(() => {
        this.definitionsRetry = null;
        this.saveDefinitions();
      }, this.retryInterval).unref();
      return err as Error;
    }
    this.faults.cleared("definitions");
    return null;
  };
  private definitionsRetry: NodeJS.Timeout | null = null;
  /** Failures of the definitions' file, one log line per episode. */
  private readonly faults: FaultLog;
  private readonly retryInterval: number;

  private savedNextStoreId = 0;

  /** Under the memory alarm: the messages of durable queues that are on disk leave memory. */
  private readonly pageOut = (): void => {
    let pagedOut = 0;
    const before = this.memory.bytes;
    for (const q of this.durableQueues()) {
      q.diskBacklog?.pageOut();
      pagedOut++;
    }
    this.options.logger.info({ queues: pagedOut, freed: before - this.memory.bytes }, "memory alarm: durable queues paged out to disk");
  };

  private *durableQueues(): Generator<Queue> {
    for (const v of this.vhosts.values()) for (const q of v.queues.values()) if (q.store !== null) yield q;
  }

  private openMetadata(dataDir: string): void {
    const store = new MetadataStore<Definitions>(join(dataDir, "metadata"), "definitions.json");
    const defs = store.load(); // throws, naming the files, when no good copy is left
    const loaded = store.loaded;
    if (loaded.damaged.length > 0 || loaded.fallback) {
      this.options.logger.warn({ damaged: loaded.damaged, usedFile: loaded.file }, `durable definitions damaged or missing; using ${loaded.file}`);
    }
    this.savedNextStoreId = defs?.next_store_id ?? 0;
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

  /** Recovers the messages of the durable queues restored from the definitions, then stores new ones. */
  private async openStore(dataDir: string, options: BrokerOptions): Promise<void> {
    const log = this.options.logger;
    const recovering: (RecoveringQueue & { queue: Queue })[] = [];
    for (const v of this.vhosts.values()) {
      for (const q of v.queues.values()) {
        if (q.options.durable && !q.options.exclusive) recovering.push({ name: `${v.name}/${q.name}`, storeId: q.storeId, queue: q });
      }
    }
    const { store, queues } = await MessageStore.open(dataDir, options.storage ?? {}, log, recovering, this.savedNextStoreId, this.storageStats);
    this.store = store;
    for (let i = 0; i < recovering.length; i++) {
      const q = recovering[i]!.queue;
      const r = queues[i]!;
      if (q.maxPriority > 0) {
        const backlog = new PriorityBacklog(q, q.maxPriority, r.store);
        q.attachStore(r.store, backlog, r.readyBody);
        // no delivery lease: after a crash every recovered message may have been delivered
        await backlog.recover(store.recovery!.clean ? r.redeliveredBelow : r.store.nextSeq);
        continue;
      }
      const backlog = new DiskBacklog(q, r.store, store.options.queueMemoryBytes, log, this.storageStats);
      backlog.recovered(r.ready, r.redeliveredBelow, r.lease);
      q.attachStore(r.store, backlog, r.readyBody);
      await backlog.preload();
    }
    for (const v of this.vhosts.values()) v.storage = this;
    // expiry and length limits over what was recovered (the timer for the head's deadline)
    for (const r of recovering) r.queue.drain();
    this.saveDefinitions();
    const rec = store.recovery!;
    log.info({ ...rec, durationMs: Math.round(rec.durationMs) }, "messages recovered");
  }

  /** @internal QueueStorage: a durable queue declared while running gets its files. */
  attach(queue: Queue): void {
    const store = this.store;
    if (store === null) return;
    const qs = store.createQueueStore(`${queue.vhost}/${queue.name}`);
    queue.attachStore(
      qs,
      queue.maxPriority > 0
        ? new PriorityBacklog(queue, queue.maxPriority, qs)
        : new DiskBacklog(queue, qs, store.options.queueMemoryBytes, this.options.logger, this.storageStats),
    );
  }

  /** @internal QueueStorage */
  detach(queue: Queue): void {
    const qs = queue.store;
    if (qs === null || this.store === null) return;
    queue.diskBacklog?.close();
    this.store.dropQueueStore(qs);
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
    if (this.handshaking >= this.options.maxHandshakingConnections) return null;
    this.handshaking++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.handshaking--;
    };
  }

  /** A socket over the handshake limit is closed at once; one log line a second says how many were. */
  refuseHandshake(socket: Socket): void {
    socket.destroy();
    this.counters.handshakesRefused++;
    const now = Date.now();
    if (now - this.lastRefusalLog >= 1000) {
      this.lastRefusalLog = now;
      this.options.logger.warn(
        { limit: this.options.maxHandshakingConnections, refused: this.counters.handshakesRefused },
        "too many connections in the handshake: closing new ones",
      );
    }
  }

  /** Connections accepted that have not finished their handshake (TLS ones included). */
  get handshakingConnections(): number {
    return this.handshaking;
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
    if (this.definitionsRetry !== null) clearTimeout(this.definitionsRetry);
    this.consumerTimeouts.stop();
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const c of [...this.connections]) c.forceClose(reason);
    // Sockets still in the handshake, or whose client does not answer close-ok in time, are cut.
    const deadline = Date.now() + 2000;
    while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const s of this.sockets) s.destroy();
    await closed;
    await this.ready.catch(() => undefined);
    for (const v of this.vhosts.values()) for (const q of v.queues.values()) q.stopTimers();
    const backlogs = new Map<number, StoredBacklog>();
    for (const q of this.durableQueues()) {
      const b = q.diskBacklog;
      if (b === null) continue;
      b.close(); // reads in flight are dropped
      backlogs.set(q.store!.id, b);
    }
    await this.store?.close((qs) => backlogs.get(qs.id)?.firstUndelivered() ?? qs.nextSeq);
  }
}

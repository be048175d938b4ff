/**
 * A virtual host: its exchanges, queues and bindings, and routing. Names, checks and reply codes
 * follow RabbitMQ: `amq.` names are reserved (403), redeclaring with other properties is 406,
 * another connection's exclusive queue is 405, a missing entity is 404.
 */
import type { FieldTable } from "@amqp-go/protocol";
import { randomBytes } from "node:crypto";
import { accessRefused, commandInvalid, notFound, preconditionFailed, resourceLocked, storageFailed } from "./errors.js";
import { DefaultExchange } from "./exchange/default.js";
import type { Destination, Exchange } from "./exchange/exchange.js";
import { createExchange } from "./exchange/exchange-types.js";
import { Routing } from "./exchange/routing.js";
import { deepEqualValue } from "./exchange/field-equal.js";
import type { MemoryMonitor } from "./memory.js";
import { type FlowLimits, NO_FLOW_LIMITS } from "./queue/flow.js";
import type { Message } from "./message.js";
import type { QueueStorage } from "./queue-storage.js";
import { Queue } from "./queue/queue.js";
import { inequivalent, inequivalentArg } from "./inequivalent.js";
import { applyPolicies } from "./policy/apply-policies.js";
import { DECLARE_ARGS, NO_ARGUMENTS, type QueueArguments, queueArguments } from "./queue/arguments.js";
import { admit } from "./queue/admission.js";
import { DeadLetterCounters, DeadLetters } from "./dead-letters.js";
import { BrokerCounters } from "./ports.js";
import { mergeDefinitions, type Policy, policyFor } from "./policy/policy.js";
import { argumentsUnderPolicy } from "./policy/queue-policy.js";
import type { DurableChange } from "./durable-change.js";
import type { ExchangeDeclare, QueueDeclare } from "./declare.js";

export type { ExchangeDeclare, QueueDeclare } from "./declare.js";

const PREDECLARED: readonly [string, string][] = [
  ["amq.direct", "direct"],
  ["amq.fanout", "fanout"],
  ["amq.topic", "topic"],
  ["amq.headers", "headers"],
  ["amq.match", "headers"],
];

/** A fresh name for a server-named queue, as RabbitMQ makes them. */
export function serverNamedQueue(): string {
  return `amq.gen-${randomBytes(16).toString("base64url")}`;
}

/** Survives a restart: durable, and for a queue not exclusive (RabbitMQ drops exclusive queues). */
function isDurable(d: Destination): boolean {
  if (d.kind === "queue") {
    const o = (d as Queue).options;
    return o.durable && !o.exclusive;
  }
  return (d as Exchange).options.durable;
}

export type { QueueStorage } from "./queue-storage.js";
export class Vhost {
  /**
   * Called after any change to durable exchanges, queues or bindings (the broker saves them).
   * Returns the error when they could not be saved (a full disk): a declaration is then undone
   * and refused with 541; a deletion stands (the broker saves it once it can).
   */
  onDurableChange: ((change?: DurableChange) => Error | null) | null = null;
  /** Set once the broker's storage has recovered; before, queues are attached by recovery. */
  storage: QueueStorage | null = null;

  /** `change` is journaled; without one, everything is saved (a policy changed). */
  private durableChanged(change?: DurableChange): Error | null {
    return this.onDurableChange?.(change) ?? null;
  }

  /** A declaration whose definitions could not be saved: `undo` it, then refuse it (541). */
  private saveDeclared(change: DurableChange, undo: () => void): void {
    const err = this.durableChanged(change);
    if (err === null) return;
    undo();
    throw storageFailed(err);
  }

  readonly exchanges = new Map<string, Exchange>();
  readonly queues = new Map<string, Queue>();
  /** Direct reply-to: the channels consuming from amq.rabbitmq.reply-to, by their reply name. */
  readonly replyConsumers = new Map<string, { deliverReply(message: Message): void }>();
  /** Reused by `route`: no allocation per publish. */
  private readonly routing = new Routing<Queue>((name) => this.exchanges.get(name));
  private readonly routed: Queue[] = [];
  private epoch = 0;

  /** Dead-lettering: what queues drop goes through their dead-letter exchange. */
  readonly deadLetters: DeadLetters;

  constructor(
    readonly name: string,
    /** The broker's memory alarm: what queues and transactions hold is counted in it. */
    readonly memory: MemoryMonitor,
    /** Where queues hold their publishers back (credit flow). */
    private readonly flowLimits: FlowLimits = NO_FLOW_LIMITS,
    deadLetterCounters: DeadLetterCounters = new DeadLetterCounters(),
    /** The broker's totals: queues declared, created and deleted are counted here. */
    private readonly counters: Pick<BrokerCounters, "queuesDeclared" | "queuesCreated" | "queuesDeleted"> = new BrokerCounters(),
  ) {
    this.deadLetters = new DeadLetters(
      {
        exchange: (n) => this.exchanges.get(n),
        route: (x, m, out) => this.route(x, m, out),
        publish: (m, queues) => this.publish(m, queues),
      },
      deadLetterCounters,
    );
    this.exchanges.set("", new DefaultExchange((q) => this.queues.get(q)));
    for (const [name, type] of PREDECLARED) {
      this.exchanges.set(name, createExchange(type, name, { durable: true, autoDelete: false, internal: false, arguments: {} })!);
    }
  }

  // ---- exchanges ------------------------------------------------------------------------------

  exchange(name: string): Exchange {
    const e = this.exchanges.get(name);
    if (e === undefined) throw notFound("exchange", name, this.name);
    return e;
  }

  declareExchange(d: ExchangeDeclare): Exchange {
    if (d.name === "") throw accessRefused("operation not permitted on the default exchange");
    const existing = this.exchanges.get(d.name);
    if (d.passive) {
      if (existing === undefined) throw notFound("exchange", d.name, this.name);
      return existing;
    }
    // amq.* names are reserved for the predeclared exchanges, which may be redeclared as they are.
    if (existing === undefined && d.name.startsWith("amq.")) {
      throw accessRefused(`exchange name '${d.name}' contains reserved prefix 'amq.*'`);
    }
    if (existing !== undefined) {
      const v = this.name;
      if (existing.type !== d.type) throw inequivalent("type", "exchange", d.name, v, d.type, existing.type);
      if (existing.options.durable !== d.durable) throw inequivalent("durable", "exchange", d.name, v, d.durable, existing.options.durable);
      if (existing.options.autoDelete !== d.autoDelete) {
        throw inequivalent("auto_delete", "exchange", d.name, v, d.autoDelete, existing.options.autoDelete);
      }
      if (existing.options.internal !== d.internal) throw inequivalent("internal", "exchange", d.name, v, d.internal, existing.options.internal);
      const ae = d.arguments["alternate-exchange"];
      const currentAe = existing.options.arguments["alternate-exchange"];
      if (!deepEqualValue(ae, currentAe)) throw inequivalentArg("alternate-exchange", "exchange", d.name, v, ae, currentAe);
      return existing;
    }
    const e = createExchange(d.type, d.name, {
      durable: d.durable,
      autoDelete: d.autoDelete,
      internal: d.internal,
      arguments: d.arguments,
    });
    if (e === undefined) throw commandInvalid(`unknown exchange type '${d.type}'`);
    const policy = policyFor(this.policies.values(), "exchange", d.name);
    if (policy !== null) e.applyPolicy(policy);
    this.exchanges.set(d.name, e);
    if (d.durable) this.saveDeclared({ op: "exchange", vhost: this.name, exchange: e }, () => this.removeExchange(e));
    return e;
  }

  /** Deletes an exchange; a missing one is no error (RabbitMQ answers delete-ok). */
  deleteExchange(name: string, ifUnused: boolean): void {
    if (name === "") throw accessRefused("operation not permitted on the default exchange");
    if (name.startsWith("amq.")) throw accessRefused(`deletion of system exchange '${name}' in vhost '${this.name}' not allowed`);
    const e = this.exchanges.get(name);
    if (e === undefined) return;
    // In use means: the source of a binding (being only a destination does not count).
    if (ifUnused && e.bindingCount > 0) throw preconditionFailed(`exchange '${name}' in vhost '${this.name}' in use`);
    this.removeExchange(e);
  }

  private removeExchange(e: Exchange): void {
    this.exchanges.delete(e.name);
    for (const other of [...this.exchanges.values()]) if (other.unbindAll(e) > 0) this.maybeAutoDelete(other);
    if (e.options.durable) this.durableChanged({ op: "exchange-deleted", vhost: this.name, exchange: e });
  }

  // ---- queues ---------------------------------------------------------------------------------

  /** The queue, if the connection `owner` may use it (404 missing, 405 another's exclusive queue). */
  queue(name: string, owner: object): Queue {
    const q = this.queues.get(name);
    if (q === undefined) throw notFound("queue", name, this.name);
    if (q.owner !== null && q.owner !== owner) throw resourceLocked(name, this.name);
    return q;
  }

  declareQueue(d: QueueDeclare, owner: object): Queue {
    if (d.passive) {
      if (d.name === "") throw notFound("queue", d.name, this.name);
      const q = this.queue(d.name, owner);
      q.touch();
      return q;
    }
    if (d.recovered !== true) this.counters.queuesDeclared++;
    const name = d.name === "" ? (d.serverName ?? serverNamedQueue()) : d.name;
    if (d.name.startsWith("amq.")) throw accessRefused(`queue name '${d.name}' contains reserved prefix 'amq.*'`);
    const existing = this.queues.get(name);
    if (existing !== undefined) {
      if (existing.owner !== null && existing.owner !== owner) throw resourceLocked(name, this.name);
      const v = this.name;
      if (existing.options.durable !== d.durable) throw inequivalent("durable", "queue", name, v, d.durable, existing.options.durable);
      if (existing.options.exclusive !== d.exclusive) throw resourceLocked(name, this.name);
      if (existing.options.autoDelete !== d.autoDelete) {
        throw inequivalent("auto_delete", "queue", name, v, d.autoDelete, existing.options.autoDelete);
      }
      // RabbitMQ compares the arguments it knows, and takes the rest as they are
      for (const key of DECLARE_ARGS) {
        const a = d.arguments[key];
        const b = existing.options.arguments[key];
        if (!deepEqualValue(a, b)) throw inequivalentArg(key, "queue", name, v, a, b);
      }
      existing.touch();
      return existing;
    }
    const own = this.argumentsOf(name, d);
    const policy = policyFor(this.policies.values(), "queue", name);
    const operatorPolicy = policyFor(this.operatorPolicies.values(), "queue", name);
    const definition = mergeDefinitions(policy?.definition ?? null, operatorPolicy?.definition ?? null);
    const args = definition === null ? own : argumentsUnderPolicy(own, d.arguments, definition);
    const q = new Queue(name, this.name, d, owner, this.memory, this.flowLimits, args, own);
    q.policy = policy;
    q.operatorPolicy = operatorPolicy;
    q.policyDefinition = definition;
    q.deadLetters = this.deadLetters;
    q.expireWhenUnused(() => this.removeQueue(q));
    this.queues.set(name, q);
    if (q.owner !== null) {
      const own = this.exclusive.get(q.owner);
      if (own === undefined) this.exclusive.set(q.owner, new Set([q]));
      else own.add(q);
    }
    if (isDurable(q)) {
      try {
        this.storage?.attach(q);
      } catch (err) {
        this.queues.delete(name);
        q.delete();
        throw storageFailed(err as Error);
      }
      this.saveDeclared({ op: "queue", vhost: this.name, queue: q }, () => this.removeQueue(q));
    }
    if (d.recovered !== true) this.counters.queuesCreated++;
    return q;
  }

  /** The effective arguments of a new queue (406 for invalid ones, except from saved definitions). */
  private argumentsOf(name: string, d: QueueDeclare): QueueArguments {
    const declared = { name, vhost: this.name, durable: d.durable, exclusive: d.exclusive, autoDelete: d.autoDelete, arguments: d.arguments };
    if (d.recovered !== true) return queueArguments(declared);
    try {
      return queueArguments(declared);
    } catch {
      return NO_ARGUMENTS;
    }
  }

  /** Enqueues a message in `queues` (through the message store for durable ones), after their length limits. */
  publish(message: Message, queues: Queue[]): void {
    const n = admit(message, queues, queues.length);
    if (n === 0) return;
    const store = this.storage?.store ?? null;
    if (store !== null) store.publish(message, queues, n);
    else for (let i = 0; i < n; i++) queues[i]!.enqueue(message, null);
  }

  /** Refuses (406) to delete a queue that is not empty or in use, when asked so. */
  checkDeletable(q: Queue, ifUnused: boolean, ifEmpty: boolean): void {
    if (ifEmpty && q.messageCount > 0) throw preconditionFailed(`queue '${q.name}' in vhost '${this.name}' not empty`);
    if (ifUnused && q.consumerCount > 0) throw preconditionFailed(`queue '${q.name}' in vhost '${this.name}' in use`);
  }

  removeQueue(q: Queue): number {
    if (this.queues.get(q.name) !== q) return 0;
    this.queues.delete(q.name);
    if (q.owner !== null) this.exclusive.get(q.owner)?.delete(q);
    this.counters.queuesDeleted++;
    for (const e of [...this.exchanges.values()]) {
      if (e.unbindAll(q) > 0) this.maybeAutoDelete(e);
    }
    const n = q.delete();
    if (isDurable(q)) {
      this.storage?.detach(q);
      this.durableChanged({ op: "queue-deleted", vhost: this.name, queue: q });
    }
    return n;
  }

  // ---- policies -------------------------------------------------------------------------------

  /** Policies by name (rabbit_policy): the one of highest priority that matches applies to a queue. */
  readonly policies = new Map<string, Policy>();
  /** Operator policies by name: limits only; one applies besides the policy, the lower value wins. */
  readonly operatorPolicies = new Map<string, Policy>();

  /** Sets (adds or replaces) a policy (`operator`: an operator policy), applies it at once, saves it; true when it is new. */
  setPolicy(p: Policy, operator = false): boolean {
    const map = operator ? this.operatorPolicies : this.policies;
    const isNew = !map.has(p.name);
    map.set(p.name, p);
    this.applyPolicies();
    this.durableChanged();
    return isNew;
  }

  /** Removes a policy; queues it applied to go back to their own arguments (or the next match). */
  clearPolicy(name: string, operator = false): boolean {
    if (!(operator ? this.operatorPolicies : this.policies).delete(name)) return false;
    this.applyPolicies();
    this.durableChanged();
    return true;
  }

  /** Chooses each queue's (and exchange's) policies again and rebuilds the effective arguments of those it changes. */
  applyPolicies(): void {
    applyPolicies(this.exchanges.values(), this.queues.values(), this.policies, this.operatorPolicies);
  }

  // ---- bindings -------------------------------------------------------------------------------

  bind(source: string, destination: Destination, routingKey: string, args: FieldTable): void {
    if (source === "" || (destination.kind === "exchange" && destination.name === "")) {
      throw accessRefused(`operation not permitted on the default exchange`);
    }
    const e = this.exchange(source);
    let added: boolean;
    try {
      added = e.bind(destination, routingKey, args);
    } catch (err) {
      // The headers exchange refuses an invalid x-match.
      throw preconditionFailed((err as Error).message);
    }
    if (added && e.options.durable && isDurable(destination)) {
      const change = { op: "bind", vhost: this.name, source: e, destination, routingKey, arguments: args } as const;
      this.saveDeclared(change, () => e.unbind(destination, routingKey, args));
    }
  }

  unbind(source: string, destination: Destination, routingKey: string, args: FieldTable): void {
    if (source === "" || (destination.kind === "exchange" && destination.name === "")) {
      throw accessRefused(`operation not permitted on the default exchange`);
    }
    const e = this.exchange(source);
    if (e.unbind(destination, routingKey, args)) {
      this.maybeAutoDelete(e);
      if (e.options.durable && isDurable(destination)) this.durableChanged({ op: "unbind", vhost: this.name, source: e, destination, routingKey, arguments: args });
    }
  }

  /** An auto-delete exchange goes when its last binding goes. */
  private maybeAutoDelete(e: Exchange): void {
    if (e.options.autoDelete && e.bindingCount === 0 && this.exchanges.get(e.name) === e) this.removeExchange(e);
  }

  // ---- routing --------------------------------------------------------------------------------

  /**
   * The queues a message published to `exchange` reaches, each once, through exchange-to-exchange
   * bindings and alternate exchanges. The returned array is reused by the next call.
   */
  route(exchange: Exchange, message: Message, routed: Queue[] = this.routed): Queue[] {
    routed.length = 0;
    this.routing.route(exchange, message.routingKey, message, ++this.epoch, routed);
    if (message.extraRoutingKeys !== null) this.routeCopies(exchange, message, message.extraRoutingKeys, routed);
    return routed;
  }

  /** Sender-selected distribution: each CC/BCC key routes through the exchange too; each queue gets one copy. */
  private routeCopies(exchange: Exchange, message: Message, keys: readonly string[], routed: Queue[]): void {
    for (const key of keys) this.routing.route(exchange, key, message, ++this.epoch, routed);
    const unique = new Set(routed);
    routed.length = 0;
    routed.push(...unique);
  }

  /** Every exclusive queue of a closing connection goes with it. */
  dropExclusiveQueues(owner: object): void {
    const own = this.exclusive.get(owner);
    if (own === undefined) return;
    this.exclusive.delete(owner);
    for (const q of own) this.removeQueue(q);
  }

  /** Exclusive queues by their connection: closing one touches its own queues, not every queue. */
  private readonly exclusive = new Map<object, Set<Queue>>();
}

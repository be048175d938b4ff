/**
 * The queues, exchange and bindings a run declares, where each producer publishes, and how many
 * consumed queues each of its routing keys reaches (its "fan"). The fan is what lets the bench
 * check its counts: after the run, messages consumed must equal the sum of the fans of the messages
 * published, for any exchange type and binding layout.
 */
import type { Channel } from "amqplib";
import { type BenchOptions, expand } from "./options.js";
import { typedQueueArgs } from "./queue-args.js";

export interface Binding {
  readonly queue: string;
  readonly key: string;
}

export interface ProducerTarget {
  readonly exchange: string;
  /** The routing keys this producer cycles through. */
  readonly keys: readonly string[];
  /** fan[i]: how many queues with a consumer a message with keys[i] reaches. */
  readonly fan: readonly number[];
}

export interface Topology {
  readonly queues: readonly string[];
  readonly exchange: string;
  readonly bindings: readonly Binding[];
  /** Queue i has a consumer when i < consumers. */
  readonly consumed: ReadonlySet<string>;
  /** The queue that collects dead-lettered messages (no consumer), bound to `exchange` when not "". */
  readonly deadLetter: { readonly queue: string; readonly exchange: string } | null;
}

export function topologyOf(o: BenchOptions): Topology {
  const queues = Array.from({ length: o.queues }, (_, i) => expand(o.queuePattern, i + 1));
  const bindings: Binding[] = [];
  if (o.exchange !== "") {
    const count = o.bindings > 0 ? o.bindings : o.queues;
    for (let n = 0; n < count; n++) {
      const queue = queues[n % queues.length]!;
      bindings.push({ queue, key: o.exchangeType === "fanout" ? "" : expand(o.bindingKey, n + 1) });
    }
  }
  const consumed = new Set(queues.slice(0, Math.min(o.consumers, queues.length)));
  const dlx = o.queueArgs["x-dead-letter-exchange"];
  const deadLetter = o.deadLetterQueue === "" ? null : { queue: o.deadLetterQueue, exchange: typeof dlx === "string" ? dlx : "" };
  return { queues, exchange: o.exchange, bindings, consumed, deadLetter };
}

/**
 * AMQP topic matching: words split on ".", `*` is exactly one word, `#` zero or more. Plain
 * backtracking is enough for the bench's few keys (the broker has the fast one).
 */
export function topicMatches(pattern: string, key: string): boolean {
  const p = pattern.split(".");
  const k = key === "" ? [] : key.split(".");
  const walk = (i: number, j: number): boolean => {
    if (i === p.length) return j === k.length;
    const word = p[i];
    if (word === "#") {
      for (let skip = j; skip <= k.length; skip++) if (walk(i + 1, skip)) return true;
      return false;
    }
    if (j === k.length) return false;
    return (word === "*" || word === k[j]) && walk(i + 1, j + 1);
  };
  return walk(0, 0);
}

/** The queues (with a consumer) that a message with `key` reaches. */
function fanOf(o: BenchOptions, t: Topology, key: string): number {
  const reached = new Set<string>();
  for (const b of t.bindings) {
    const match = o.exchangeType === "fanout" || (o.exchangeType === "direct" ? b.key === key : topicMatches(b.key, key));
    if (match && t.consumed.has(b.queue)) reached.add(b.queue);
  }
  return reached.size;
}

/** Producer `i`'s exchange, keys and fans. */
export function producerTarget(o: BenchOptions, t: Topology, i: number): ProducerTarget {
  if (t.exchange === "") {
    const queue = t.queues[i % t.queues.length]!;
    return { exchange: "", keys: [queue], fan: [t.consumed.has(queue) ? 1 : 0] };
  }
  const keys: string[] = [];
  // Each producer starts at its own key, so several producers do not walk the keys in step.
  for (let n = 0; n < o.routingKeys; n++) keys.push(expand(o.routingKey, ((i + n) % o.routingKeys) + 1));
  const fanByKey = new Map<string, number>();
  const fan = keys.map((key) => {
    let f = fanByKey.get(key);
    if (f === undefined) fanByKey.set(key, (f = fanOf(o, t, key)));
    return f;
  });
  return { exchange: t.exchange, keys, fan };
}

/** Queue for consumer `i`. */
export function consumerQueue(t: Topology, i: number): string {
  return t.queues[i % t.queues.length]!;
}

/**
 * Declares everything afresh: queues left by an earlier run are deleted first, with their messages.
 * The dead-letter queue and its exchange come first, so nothing dead-lettered is lost.
 */
export async function declare(ch: Channel, o: BenchOptions, t: Topology): Promise<void> {
  const dl = t.deadLetter;
  if (dl !== null) {
    await ch.deleteQueue(dl.queue);
    await ch.assertQueue(dl.queue, { durable: o.durable, autoDelete: false, exclusive: false });
    if (dl.exchange !== "") {
      await ch.deleteExchange(dl.exchange);
      await ch.assertExchange(dl.exchange, "fanout", { durable: o.durable, autoDelete: false });
      await ch.bindQueue(dl.queue, dl.exchange, "");
    }
  }
  const args = typedQueueArgs(o.queueArgs);
  if (t.exchange !== "") {
    await ch.deleteExchange(t.exchange);
    await ch.assertExchange(t.exchange, o.exchangeType, { durable: o.durable, autoDelete: false });
  }
  for (const q of t.queues) {
    await ch.deleteQueue(q);
    await ch.assertQueue(q, { durable: o.durable, autoDelete: false, exclusive: false, arguments: args });
  }
  for (const b of t.bindings) await ch.bindQueue(b.queue, t.exchange, b.key);
}

/** Messages ready in the consumed queues (for the backlog phase). */
export async function readyCount(ch: Channel, t: Topology): Promise<number> {
  let sum = 0;
  for (const q of t.consumed) sum += (await ch.checkQueue(q)).messageCount;
  return sum;
}

/** Messages in the dead-letter queue: 0 without one. */
export async function deadLetteredCount(ch: Channel, t: Topology): Promise<number> {
  return t.deadLetter === null ? 0 : (await ch.checkQueue(t.deadLetter.queue)).messageCount;
}

export async function remove(ch: Channel, t: Topology): Promise<void> {
  for (const q of t.queues) await ch.deleteQueue(q);
  if (t.exchange !== "") await ch.deleteExchange(t.exchange);
  if (t.deadLetter !== null) {
    await ch.deleteQueue(t.deadLetter.queue);
    if (t.deadLetter.exchange !== "") await ch.deleteExchange(t.deadLetter.exchange);
  }
}

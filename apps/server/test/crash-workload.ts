/**
 * The client side of the crash test: publishers with confirms, consumers that ack some of their
 * deliveries, and a record of what each side saw before the server was killed; then the drain of
 * the queues after the restart (crash-check.ts compares the two).
 */
import { performance } from "node:perf_hooks";
import amqp from "amqplib";

/** Durable queues; the fanout exchange routes to the last two. */
export const QUEUES = ["crash-q0", "crash-q1", "crash-q2"] as const;
export type QueueName = (typeof QUEUES)[number];
export const FANOUT = "crash-fan";
const FANOUT_QUEUES: readonly QueueName[] = ["crash-q1", "crash-q2"];
/**
 * The consumers. Of three deliveries, one is acked at once, one a little later (up to 40 ms), and
 * one is held: on crash-q0 (no prefetch limit) forever, on crash-q1 (prefetch 300, so it stalls
 * now and then) for 200-800 ms, then acked. crash-q2 has no consumer and only accumulates.
 */
const CONSUMERS: readonly { queue: QueueName; prefetch: number; holdMs: readonly [number, number] | null }[] = [
  { queue: "crash-q0", prefetch: 0, holdMs: null },
  { queue: "crash-q1", prefetch: 300, holdMs: [200, 800] },
];

const PUBLISHERS = 2;
/** Unconfirmed publishes per publisher: there are always some in flight. */
const WINDOW = 48;
/** Publishes per second per publisher at most: enough to fill the log batches, few enough to drain fast. */
const RATE = 2500;
/** ms between the round trips that show which acks the broker has processed. */
const BARRIER_EVERY = 15;

/** mulberry32: a small seeded generator, so a failing round can be replayed from its seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Published {
  readonly id: string;
  readonly publisher: number;
  readonly persistent: boolean;
  readonly queues: readonly QueueName[];
  readonly body: string;
  /** Confirmed by the broker (basic.ack); false while outstanding, after a nack or a lost connection. */
  confirmed: boolean;
  nacked: boolean;
}

export interface Delivery {
  readonly id: string;
  readonly redelivered: boolean;
}

export interface AckSent {
  readonly id: string;
  /** performance.now() when channel.ack was called. */
  readonly sentAt: number;
  /**
   * performance.now() when the reply to a later round trip on the same channel arrived, so when
   * the broker had certainly processed the ack; undefined if none came back before the kill.
   */
  processedBy: number | undefined;
}

interface ConsumerRecord {
  readonly deliveries: Delivery[];
  readonly acks: AckSent[];
  /** Deliveries unacked right now. */
  held: number;
}

/** What the clients saw up to the kill. */
export interface Traffic {
  readonly published: Map<string, Published>;
  readonly consumed: Map<QueueName, ConsumerRecord>;
  startedAt: number;
  killedAt: number;
  /** Snapshot at the kill. */
  atKill: { confirmed: number; outstanding: number; deliveries: number; acks: number; held: number };
}

type Connection = Awaited<ReturnType<typeof amqp.connect>>;

async function open(port: number): Promise<{ connection: Connection; closed: Promise<void> }> {
  const connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`, { noDelay: true });
  connection.on("error", () => {});
  const closed = new Promise<void>((resolve) => connection.on("close", () => resolve()));
  return { connection, closed };
}

export async function declare(port: number): Promise<void> {
  const { connection } = await open(port);
  const ch = await connection.createChannel();
  for (const q of QUEUES) await ch.assertQueue(q, { durable: true });
  await ch.assertExchange(FANOUT, "fanout", { durable: true });
  for (const q of FANOUT_QUEUES) await ch.bindQueue(q, FANOUT, "");
  await connection.close();
}

/**
 * Runs publishers and consumers against the server on `port`; `kill` is called at the first
 * moment, `killAfterMs` or more after the traffic started, with publishes in flight, persistent and
 * transient ones confirmed, and an ack processed more than `ackAgeMs` before (on a loaded machine
 * the first fdatasync or the consumers may take a while: the kill waits for them, up to 10 s
 * more); from then on the clients send nothing more. Resolves once every client connection is closed (so every
 * confirm callback has run).
 */
export async function runTraffic(port: number, seed: number, killAfterMs: number, ackAgeMs: number, kill: () => void): Promise<Traffic> {
  const rng = random(seed);
  const traffic: Traffic = {
    published: new Map(),
    consumed: new Map(CONSUMERS.map((c) => [c.queue, { deliveries: [], acks: [], held: 0 }])),
    startedAt: 0,
    killedAt: 0,
    atKill: { confirmed: 0, outstanding: 0, deliveries: 0, acks: 0, held: 0 },
  };
  let stopped = false;
  let inFlight = 0;
  const closings: Promise<void>[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, f: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      f();
    }, ms);
    timers.add(t);
  };

  const publishers: (() => void)[] = [];
  for (let p = 0; p < PUBLISHERS; p++) {
    const { connection, closed } = await open(port);
    closings.push(closed);
    const ch = await connection.createConfirmChannel();
    ch.on("error", () => {});
    let n = 0;
    let outstanding = 0;
    const pump = (): void => {
      const allowed = ((performance.now() - traffic.startedAt) * RATE) / 1000;
      while (!stopped && outstanding < WINDOW && n < allowed) {
        const id = `p${p}-${n++}`;
        const persistent = rng() >= 0.15;
        const pick = rng();
        const target: { exchange: string; key: string; queues: readonly QueueName[] } =
          pick < 0.3 ? { exchange: "", key: "crash-q0", queues: ["crash-q0"] }
          : pick < 0.5 ? { exchange: "", key: "crash-q1", queues: ["crash-q1"] }
          : pick < 0.85 ? { exchange: FANOUT, key: "", queues: FANOUT_QUEUES }
          : { exchange: "", key: "crash-q2", queues: ["crash-q2"] };
        const pad = Math.floor(rng() * 900);
        const body = `${id}|${`${id};`.repeat(Math.ceil(pad / (id.length + 1))).slice(0, pad)}`;
        const record: Published = { id, publisher: p, persistent, queues: target.queues, body, confirmed: false, nacked: false };
        traffic.published.set(id, record);
        outstanding++;
        inFlight++;
        ch.publish(
          target.exchange,
          target.key,
          Buffer.from(body),
          { persistent, messageId: id, contentType: "text/plain", headers: { "x-publisher": p, "x-id": id } },
          (err: unknown) => {
            outstanding--;
            inFlight--;
            if (err === null || err === undefined) record.confirmed = true;
            else if (!stopped) record.nacked = true;
            if (!stopped) setImmediate(pump);
          },
        );
      }
    };
    publishers.push(pump);
  }

  const consumers: (() => Promise<void>)[] = [];
  for (const { queue: q, prefetch, holdMs } of CONSUMERS) {
    const record = traffic.consumed.get(q)!;
    const { connection, closed } = await open(port);
    closings.push(closed);
    const ch = await connection.createChannel();
    ch.on("error", () => {});
    await ch.prefetch(prefetch);
    let count = 0;
    const ack = (msg: amqp.ConsumeMessage, id: string): void => {
      if (stopped) return;
      record.held--;
      ch.ack(msg);
      record.acks.push({ id, sentAt: performance.now(), processedBy: undefined });
    };
    // Frames of a channel are handled in order: once a round trip sent after an ack is answered,
    // the broker has processed the ack.
    let processedUpTo = 0;
    let barrierInFlight = false;
    const barrier = setInterval(() => {
      if (stopped || barrierInFlight || processedUpTo === record.acks.length) return;
      const upTo = record.acks.length;
      barrierInFlight = true;
      ch.checkQueue(q).then(
        () => {
          barrierInFlight = false;
          const at = performance.now();
          for (; processedUpTo < upTo; processedUpTo++) record.acks[processedUpTo]!.processedBy = at;
        },
        () => {},
      );
    }, BARRIER_EVERY);
    timers.add(barrier);
    consumers.push(async () => {
      await ch.consume(q, (msg) => {
        if (msg === null) return;
        const id = String(msg.properties.messageId);
        record.deliveries.push({ id, redelivered: msg.fields.redelivered });
        record.held++;
        if (stopped) return;
        const k = count++ % 3;
        if (k === 0) ack(msg, id);
        else if (k === 1) later(Math.floor(rng() * 40), () => ack(msg, id));
        else if (holdMs !== null) later(holdMs[0] + Math.floor(rng() * (holdMs[1] - holdMs[0])), () => ack(msg, id));
      });
    });
  }

  await Promise.all(consumers.map((start) => start()));
  traffic.startedAt = performance.now();
  for (const pump of publishers) {
    pump();
    const t = setInterval(pump, 5);
    timers.add(t);
  }

  await new Promise<void>((resolve) => setTimeout(resolve, killAfterMs));
  const ackedBefore = (at: number): boolean => [...traffic.consumed.values()].some((r) => r.acks.some((a) => a.processedBy !== undefined && a.processedBy < at));
  const confirmed = (persistent: boolean): boolean => [...traffic.published.values()].some((m) => m.confirmed && m.persistent === persistent);
  const giveUp = performance.now() + 10_000;
  while (!(confirmed(true) && confirmed(false) && ackedBefore(performance.now() - ackAgeMs)) && performance.now() < giveUp) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  // The first moment from there on with publishes in flight (publishers wait for their rate now and then).
  while (inFlight === 0) await new Promise((resolve) => setImmediate(resolve));
  stopped = true;
  traffic.killedAt = performance.now();
  const published = [...traffic.published.values()];
  const records = [...traffic.consumed.values()];
  traffic.atKill = {
    confirmed: published.filter((m) => m.confirmed).length,
    outstanding: published.filter((m) => !m.confirmed && !m.nacked).length,
    deliveries: records.reduce((s, r) => s + r.deliveries.length, 0),
    acks: records.reduce((s, r) => s + r.acks.length, 0),
    held: records.reduce((s, r) => s + r.held, 0),
  };
  kill();
  for (const t of timers) clearTimeout(t);
  await Promise.race([
    Promise.all(closings),
    new Promise((_, reject) => setTimeout(() => reject(new Error("client connections still open 5 s after the kill")), 5000)),
  ]);
  return traffic;
}

export interface Drained {
  readonly id: string;
  readonly redelivered: boolean;
  readonly body: string;
  readonly persistent: boolean;
  readonly headers: unknown;
}

/**
 * Takes every ready message of every queue: the count from queue.declare, then that many
 * deliveries, then the queue must be empty. With `ack: false` the messages stay unacknowledged
 * (the connection is left open, for a kill).
 */
export async function drain(port: number, ack: boolean): Promise<{ queues: Map<QueueName, Drained[]>; counts: Map<QueueName, number> }> {
  const { connection } = await open(port);
  const ch = await connection.createChannel();
  ch.on("error", () => {});
  const queues = new Map<QueueName, Drained[]>();
  const counts = new Map<QueueName, number>();
  for (const q of QUEUES) {
    const { messageCount } = await ch.checkQueue(q);
    counts.set(q, messageCount);
    const got: Drained[] = [];
    let consumerTag = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${q}: ${got.length} of ${messageCount} messages within 10 s`)), 10_000);
      const done = (): void => {
        if (got.length >= messageCount) {
          clearTimeout(timer);
          resolve();
        }
      };
      ch.consume(
        q,
        (msg) => {
          if (msg === null) return;
          got.push({
            id: String(msg.properties.messageId),
            redelivered: msg.fields.redelivered,
            body: msg.content.toString(),
            persistent: msg.properties.deliveryMode === 2,
            headers: msg.properties.headers,
          });
          if (ack) ch.ack(msg);
          done();
        },
        { noAck: false },
      ).then(({ consumerTag: tag }) => {
        consumerTag = tag;
        done();
      }, reject);
    });
    await ch.cancel(consumerTag);
    // Anything beyond the count would have been delivered by now (no other consumer): the queue is empty.
    expectEmpty(q, (await ch.checkQueue(q)).messageCount, await ch.get(q));
    queues.set(q, got);
  }
  if (ack) await connection.close();
  return { queues, counts };
}

function expectEmpty(q: string, messageCount: number, get: false | amqp.GetMessage): void {
  if (messageCount !== 0 || get !== false) {
    throw new Error(`${q} not empty after its drain: message count ${messageCount}, basic.get ${get === false ? "empty" : String(get.properties.messageId)}`);
  }
}

/**
 * The client side of "publish a burst without waiting, then close", run as its own process:
 *   node dist/burst.js <client> <url> <rounds> <size>...
 * A client in the broker's own process shares its event loop, and that hides the race (the client
 * is still writing publishes when the broker answers connection.close), so the suite runs this in a
 * child process, as a user's script would be. Each attempt prints one JSON line (an `Attempt`); the
 * first attempt that fails ends the run, so a broker with the defect costs one close timeout, not one
 * per attempt. Queues are durable and messages persistent, without confirms.
 */
import { AMQPClient } from "@cloudamqp/amqp-client";
import amqpConnectionManager from "amqp-connection-manager";
import amqp from "amqplib";
import amqpCallback from "amqplib/callback_api";
import { pathToFileURL } from "node:url";
import { Connection as RabbitConnection } from "rabbitmq-client";

export const BURST_CLIENTS = ["amqplib-promise", "amqplib-callback", "cloudamqp", "rabbitmq-client", "amqp-connection-manager"] as const;
export type BurstClient = (typeof BURST_CLIENTS)[number];

export interface Attempt {
  size: number;
  round: number;
  /** "closed", or why the close did not settle cleanly. */
  outcome: string;
  /** Error events and rejections seen on the way (none expected). */
  errors: string[];
}

/** How long connection.close() may take after a burst on a loaded machine. */
const CLOSE_TIMEOUT_MS = 5000;

const queueOf = (size: number) => `burst.${size}`;
const body = (i: number) => Buffer.from(`burst-${i}`);

/** Publishes `size` messages without waiting for anything, then closes; resolves once the close settled. */
type Burst = (url: string, size: number, errors: string[]) => Promise<void>;

const bursts: Record<BurstClient, Burst> = {
  async "amqplib-promise"(url, size, errors) {
    const c = await amqp.connect(url);
    c.on("error", (e: Error) => errors.push(e.message));
    const ch = await c.createChannel();
    ch.on("error", (e: Error) => errors.push(e.message));
    await ch.assertQueue(queueOf(size), { durable: true });
    for (let i = 0; i < size; i++) ch.sendToQueue(queueOf(size), body(i), { persistent: true });
    await c.close();
  },

  async "amqplib-callback"(url, size, errors) {
    const c = await new Promise<amqpCallback.Connection>((resolve, reject) => amqpCallback.connect(url, (err, conn) => (err ? reject(err) : resolve(conn))));
    c.on("error", (e: Error) => errors.push(e.message));
    const ch = await new Promise<amqpCallback.Channel>((resolve, reject) => c.createChannel((err, chan) => (err ? reject(err) : resolve(chan))));
    ch.on("error", (e: Error) => errors.push(e.message));
    await new Promise<void>((resolve, reject) => ch.assertQueue(queueOf(size), { durable: true }, (err) => (err ? reject(err) : resolve())));
    for (let i = 0; i < size; i++) ch.sendToQueue(queueOf(size), body(i), { persistent: true });
    await new Promise<void>((resolve, reject) => c.close((err) => (err ? reject(err) : resolve())));
  },

  async cloudamqp(url, size, errors) {
    const c = new AMQPClient(url);
    c.onerror = (e) => errors.push(e.message);
    await c.connect();
    const ch = await c.channel();
    await ch.queueDeclare(queueOf(size), { durable: true });
    for (let i = 0; i < size; i++) {
      // Not awaited: a rejection is recorded, and one for a broken socket fails the attempt.
      ch.basicPublish("", queueOf(size), body(i), { deliveryMode: 2 }).catch((e: Error) => errors.push(`publish: ${e.message}`));
    }
    await c.close();
  },

  async "rabbitmq-client"(url, size, errors) {
    const c = new RabbitConnection({ url, retryLow: 50, retryHigh: 200 });
    c.on("error", (e: Error) => errors.push(e.message));
    await c.queueDeclare({ queue: queueOf(size), durable: true });
    const publisher = c.createPublisher({ confirm: false });
    for (let i = 0; i < size; i++) {
      publisher.send({ routingKey: queueOf(size), durable: true }, body(i)).catch((e: Error) => errors.push(`publish: ${e.message}`));
    }
    await publisher.close();
    await c.close();
  },

  async "amqp-connection-manager"(url, size, errors) {
    const c = amqpConnectionManager.connect([url], { reconnectTimeInSeconds: 0.1 });
    c.on("error", (e: Error) => errors.push(e.message));
    c.on("disconnect", ({ err }: { err: Error }) => errors.push(`disconnect: ${err.message}`));
    const ch = c.createChannel({ confirm: false, setup: (chan: amqp.Channel) => chan.assertQueue(queueOf(size), { durable: true }).then(() => undefined) });
    ch.on("error", (e: Error) => errors.push(e.message));
    await ch.waitForConnect();
    for (let i = 0; i < size; i++) {
      ch.sendToQueue(queueOf(size), body(i), { persistent: true }).catch((e: Error) => {
        // Messages still queued in the wrapper when it closes are rejected by design; a broken socket is not.
        if (!/closed/i.test(e.message) || /EPIPE|ECONNRESET/.test(e.message)) errors.push(`publish: ${e.message}`);
      });
    }
    await c.close();
  },
};

async function attempt(client: BurstClient, url: string, size: number, round: number): Promise<Attempt> {
  const errors: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`connection.close() did not settle within ${CLOSE_TIMEOUT_MS} ms`), CLOSE_TIMEOUT_MS);
  });
  const closed = bursts[client](url, size, errors).then(
    () => "closed",
    (e: Error) => `close failed: ${e.message}`,
  );
  const outcome = await Promise.race([closed, timeout]);
  clearTimeout(timer);
  return { size, round, outcome, errors };
}

async function main(argv: string[]): Promise<void> {
  const [client, url, rounds, ...sizes] = argv;
  if (!BURST_CLIENTS.includes(client as BurstClient) || url === undefined || rounds === undefined || sizes.length === 0) {
    throw new Error(`usage: burst.js <${BURST_CLIENTS.join("|")}> <url> <rounds> <size>...`);
  }
  // An 'error' no listener heard would kill the process: record it as the attempt's failure instead.
  const stray: string[] = [];
  process.on("uncaughtException", (e) => stray.push(`uncaught: ${e.message}`));
  process.on("unhandledRejection", (e) => stray.push(`unhandled rejection: ${(e as Error).message ?? String(e)}`));
  for (const size of sizes.map(Number)) {
    for (let round = 0; round < Number(rounds); round++) {
      const a = await attempt(client as BurstClient, url, size, round);
      a.errors.push(...stray.splice(0));
      process.stdout.write(`${JSON.stringify(a)}\n`);
      if (a.outcome !== "closed" || a.errors.length > 0) return;
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: Error) => {
      process.stderr.write(`${e.stack ?? e.message}\n`);
      process.exit(2);
    },
  );
}

/** amqplib 2.3.1, callback API (`amqplib/callback_api`), against the real broker. */
import amqp from "amqplib/callback_api";
import { describe, expect, it } from "vitest";
import { bodies, HEARTBEAT_S, IDLE_MS, sleep, until, within } from "../src/wait.js";
import { expectCleanBurstsThenClose, useServer } from "./shared.js";

type Connection = amqp.Connection;
type Channel = amqp.Channel;
type Message = amqp.Message;

const server = useServer();

/** Awaits one callback-style call: `cb((err, value) => ...)`. */
function cb<T>(call: (done: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((err, value) => (err ? reject(err) : resolve(value))));
}

function connect(url = server.url): Promise<Connection> {
  return cb<Connection>((done) => amqp.connect(url, done)).then((c) => {
    c.on("error", () => {}); // recorded where a test needs it; an unheard 'error' would kill the process
    return c;
  });
}

const channel = (c: Connection) => cb<Channel>((done) => c.createChannel(done));
const close = (c: Connection) => cb<void>((done) => c.close((err) => done(err, undefined)));
const get = (ch: Channel, queue: string, noAck = false) => cb<Message | false>((done) => ch.get(queue, { noAck }, done));

async function withConnection<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
  const c = await connect();
  try {
    return await fn(c);
  } finally {
    await close(c).catch(() => {});
  }
}

describe("amqplib callback API", () => {
  it("connects, declares, publishes with properties and consumes with ack", async () => {
    await withConnection(async (c) => {
      const ch = await channel(c);
      await cb((done) => ch.assertExchange("callback.topic", "topic", { durable: false }, done));
      const { queue } = await cb<amqp.Replies.AssertQueue>((done) => ch.assertQueue("", { exclusive: true }, done));
      await cb((done) => ch.bindQueue(queue, "callback.topic", "orders.*", {}, done));
      const got = new Promise<Message>((resolve) => ch.consume(queue, (m) => m && resolve(m), { noAck: false }));
      ch.publish("callback.topic", "orders.created", Buffer.from(JSON.stringify({ id: 7 })), {
        contentType: "application/json",
        headers: { "x-retries": 0, "x-origin": "callback" },
        correlationId: "order-7",
        messageId: "m-7",
        persistent: true,
        type: "order.created",
      });
      const m = await within("delivery", got, 10_000);
      expect(JSON.parse(m.content.toString())).toEqual({ id: 7 });
      expect(m.fields).toMatchObject({ exchange: "callback.topic", routingKey: "orders.created", redelivered: false });
      expect(m.properties).toMatchObject({ contentType: "application/json", correlationId: "order-7", messageId: "m-7", deliveryMode: 2, type: "order.created" });
      expect(m.properties.headers).toMatchObject({ "x-retries": 0, "x-origin": "callback" });
      ch.ack(m);
      await until("the ack empties the queue", () => server.heldCount(queue) === 0);
    });
  });

  it("publisher confirms: a callback per publish, then waitForConfirms", async () => {
    await withConnection(async (c) => {
      const ch = await cb<amqp.ConfirmChannel>((done) => c.createConfirmChannel(done));
      await cb((done) => ch.assertQueue("callback.confirms", { durable: true }, done));
      let acked = 0;
      for (const b of bodies("confirm", 50)) {
        ch.sendToQueue("callback.confirms", Buffer.from(b), { persistent: true }, (err) => {
          if (!err) acked++;
        });
      }
      await within("waitForConfirms", cb<void>((done) => ch.waitForConfirms((err) => done(err, undefined))), 15_000);
      expect(acked).toBe(50);
      const { messageCount } = await cb<amqp.Replies.DeleteQueue>((done) => ch.deleteQueue("callback.confirms", {}, done));
      expect(messageCount).toBe(50);
    });
  });

  it("basic.get: messages one at a time with the count left, and false on an empty queue", async () => {
    await withConnection(async (c) => {
      const ch = await channel(c);
      const { queue } = await cb<amqp.Replies.AssertQueue>((done) => ch.assertQueue("", { exclusive: true }, done));
      for (const b of bodies("get", 2)) ch.sendToQueue(queue, Buffer.from(b));
      await until("2 messages queued", () => server.heldCount(queue) === 2);
      const first = await get(ch, queue);
      expect(first && [first.content.toString(), first.fields.messageCount]).toEqual(["get-0", 1]);
      if (first) ch.ack(first);
      const second = await get(ch, queue, true);
      expect(second && [second.content.toString(), second.fields.messageCount]).toEqual(["get-1", 0]);
      expect(await get(ch, queue)).toBe(false);
    });
  });

  it("reject and nack: requeued ones come back redelivered, the others are gone", async () => {
    await withConnection(async (c) => {
      const ch = await channel(c);
      const { queue } = await cb<amqp.Replies.AssertQueue>((done) => ch.assertQueue("", { exclusive: true }, done));
      for (const b of bodies("r", 3)) ch.sendToQueue(queue, Buffer.from(b));
      await until("3 messages queued", () => server.heldCount(queue) === 3);
      await cb((done) => ch.prefetch(3, false, done));
      const seen: Message[] = [];
      ch.consume(queue, (m) => m && seen.push(m));
      await until("3 deliveries", () => seen.length === 3);
      ch.reject(seen[0]!, true); // r-0 back
      ch.reject(seen[1]!, false); // r-1 dropped
      ch.nack(seen[2]!, false, true); // r-2 back
      await until("2 redeliveries", () => seen.length === 5);
      expect(seen.slice(3).map((m) => [m.content.toString(), m.fields.redelivered])).toEqual([
        ["r-0", true],
        ["r-2", true],
      ]);
      ch.nackAll(false);
      await until("queue empty", () => server.heldCount(queue) === 0);
    });
  });

  it("RPC: requests carry reply-to and correlation-id, replies come back on an exclusive reply queue", async () => {
    await withConnection(async (c) => {
      const worker = await channel(c);
      await cb((done) => worker.assertQueue("callback.rpc", { exclusive: true }, done));
      worker.consume("callback.rpc", (m) => {
        if (!m) return;
        worker.sendToQueue(m.properties.replyTo, Buffer.from(m.content.toString().toUpperCase()), { correlationId: m.properties.correlationId });
        worker.ack(m);
      });
      const caller = await channel(c);
      const { queue: replyQueue } = await cb<amqp.Replies.AssertQueue>((done) => caller.assertQueue("", { exclusive: true }, done));
      const replies = new Map<string, string>();
      await cb((done) => caller.consume(replyQueue, (m) => m && replies.set(m.properties.correlationId, m.content.toString()), { noAck: true }, done));
      for (const word of ["alpha", "beta", "gamma"]) {
        caller.sendToQueue("callback.rpc", Buffer.from(word), { replyTo: replyQueue, correlationId: `id-${word}` });
      }
      await until("3 replies", () => replies.size === 3);
      expect(Object.fromEntries(replies)).toEqual({ "id-alpha": "ALPHA", "id-beta": "BETA", "id-gamma": "GAMMA" });
    });
  });

  it(`heartbeats at ${HEARTBEAT_S} s: an idle connection survives several intervals and stays usable`, async () => {
    const c = await connect(server.urlWithHeartbeat(HEARTBEAT_S));
    const events: string[] = [];
    c.on("error", (e: Error) => events.push(`error: ${e.message}`));
    c.on("close", () => events.push("close"));
    try {
      await sleep(IDLE_MS); // the point of the test: nothing but heartbeats, from the handshake on, for more than 3 intervals
      expect(events).toEqual([]);
      const ch = await channel(c);
      const { queue } = await cb<amqp.Replies.AssertQueue>((done) => ch.assertQueue("", { exclusive: true }, done));
      ch.sendToQueue(queue, Buffer.from("still here"));
      await until("the publish after idling", () => server.heldCount(queue) === 1);
      const m = await get(ch, queue, true);
      expect(m && m.content.toString()).toBe("still here");
    } finally {
      await close(c).catch(() => {});
    }
  });

  it("publish a burst without waiting, then close (client in its own process): close settles without EPIPE, the broker carries on", async () => {
    await expectCleanBurstsThenClose(server, "amqplib-callback");
  }, 120_000); // the burst child may take 90 s on a loaded machine; the suite default is 30 s

  it("reconnects by hand after the broker restarts: the consumer comes back, a persistent message survives", async () => {
    const received: string[] = [];
    let current: Connection | undefined;
    let stopped = false;
    let connects = 0;
    // The manual loop an application writes: on close, retry every 100 ms, then set up again.
    const start = (): void => {
      amqp.connect(server.url, (err, c) => {
        if (stopped) return c?.close();
        if (err) return void setTimeout(start, 100);
        current = c;
        connects++;
        c.on("error", () => {});
        c.on("close", () => {
          current = undefined;
          if (!stopped) setTimeout(start, 100);
        });
        c.createChannel((e, ch) => {
          if (e) return;
          ch.assertQueue("callback.reconnect", { durable: true }, () => {
            ch.consume("callback.reconnect", (m) => {
              if (!m) return;
              received.push(m.content.toString());
              ch.ack(m);
            });
          });
        });
      });
    };
    const publishConfirmed = async (queue: string, body: string) => {
      const ch = await cb<amqp.ConfirmChannel>((done) => current!.createConfirmChannel(done));
      await cb((done) => ch.assertQueue(queue, { durable: true }, done));
      await cb((done) => ch.sendToQueue(queue, Buffer.from(body), { persistent: true }, done));
      await cb<void>((done) => ch.close((err) => done(err, undefined)));
    };
    start();
    try {
      await until("connected", () => current !== undefined);
      await publishConfirmed("callback.reconnect", "ping-1");
      await publishConfirmed("callback.reconnect.kept", "kept");
      await until("ping-1 consumed and its ack processed", () => received.includes("ping-1") && server.heldCount("callback.reconnect") === 0);

      await server.restart();
      await until("reconnected", () => connects === 2 && current !== undefined, 15_000);
      await publishConfirmed("callback.reconnect", "ping-2");
      await until("ping-2 consumed by the consumer set up again", () => received.includes("ping-2"), 10_000);
      const ch = await channel(current!);
      const kept = await get(ch, "callback.reconnect.kept", true);
      expect(kept && kept.content.toString()).toBe("kept");
      expect(received).toEqual(["ping-1", "ping-2"]);
    } finally {
      stopped = true;
      if (current) await close(current).catch(() => {});
    }
  });
});

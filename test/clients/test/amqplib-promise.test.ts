/** amqplib 2.3.1, promise API (`amqplib`), against the real broker. */
import amqp from "amqplib";
import { describe, expect, it } from "vitest";
import { bodies, deferred, HEARTBEAT_S, IDLE_MS, sleep, until, within } from "../src/wait.js";
import { expectCleanBurstsThenClose, useServer } from "./shared.js";

type ChannelModel = amqp.ChannelModel;
type Message = amqp.ConsumeMessage;

const server = useServer();

/** A connection whose 'error' events are recorded (an unheard one would kill the process). */
async function open(url = server.url): Promise<{ c: ChannelModel; errors: Error[] }> {
  const c = await amqp.connect(url);
  const errors: Error[] = [];
  c.on("error", (e: Error) => errors.push(e));
  return { c, errors };
}

async function withConnection<T>(fn: (c: ChannelModel) => Promise<T>): Promise<T> {
  const { c } = await open();
  try {
    return await fn(c);
  } finally {
    await c.close().catch(() => {});
  }
}

describe("amqplib promise API", () => {
  it("connects, declares, publishes with properties and consumes with ack", async () => {
    await withConnection(async (c) => {
      const ch = await c.createChannel();
      await ch.assertExchange("amqplib.direct", "direct", { durable: false });
      const { queue } = await ch.assertQueue("", { exclusive: true });
      await ch.bindQueue(queue, "amqplib.direct", "greeting");
      const got = deferred<Message>();
      await ch.consume(queue, (m) => m && got.resolve(m), { noAck: false });
      ch.publish("amqplib.direct", "greeting", Buffer.from("hello"), {
        contentType: "text/plain",
        contentEncoding: "utf-8",
        headers: { "x-number": 42, "x-text": "forty-two", "x-flag": true, "x-list": [1, "two"], "x-table": { inner: "yes" } },
        correlationId: "corr-1",
        messageId: "msg-1",
        persistent: true,
        priority: 5,
        type: "greeting",
        appId: "client-tests",
        userId: "guest",
        timestamp: 1_700_000_000,
        expiration: "60000",
      });
      const m = await within("delivery", got.promise, 10_000);
      expect(m.content.toString()).toBe("hello");
      expect(m.fields).toMatchObject({ exchange: "amqplib.direct", routingKey: "greeting", redelivered: false });
      expect(m.properties).toMatchObject({
        contentType: "text/plain",
        contentEncoding: "utf-8",
        correlationId: "corr-1",
        messageId: "msg-1",
        deliveryMode: 2,
        priority: 5,
        type: "greeting",
        appId: "client-tests",
        userId: "guest",
        timestamp: 1_700_000_000,
        expiration: "60000",
      });
      expect(m.properties.headers).toMatchObject({ "x-number": 42, "x-text": "forty-two", "x-flag": true, "x-list": [1, "two"], "x-table": { inner: "yes" } });
      ch.ack(m);
      await until("the ack empties the queue", () => server.heldCount(queue) === 0);
    });
  });

  it("publisher confirms: every publish to a durable queue is acked", async () => {
    await withConnection(async (c) => {
      const ch = await c.createConfirmChannel();
      const { queue } = await ch.assertQueue("amqplib.confirms", { durable: true });
      await ch.purgeQueue(queue);
      const acks = bodies("confirm", 100).map(
        (b) => new Promise<void>((resolve, reject) => ch.sendToQueue(queue, Buffer.from(b), { persistent: true }, (err) => (err ? reject(err) : resolve()))),
      );
      await within("the confirms", Promise.all(acks), 15_000);
      await ch.waitForConfirms();
      expect((await ch.checkQueue(queue)).messageCount).toBe(100);
      await ch.deleteQueue(queue);
    });
  });

  it("basic.get: messages one at a time with the count left, and false on an empty queue", async () => {
    await withConnection(async (c) => {
      const ch = await c.createChannel();
      const { queue } = await ch.assertQueue("", { exclusive: true });
      for (const b of bodies("get", 3)) ch.sendToQueue(queue, Buffer.from(b), { correlationId: b });
      await until("3 messages queued", () => server.heldCount(queue) === 3);
      const first = await ch.get(queue);
      expect(first && first.content.toString()).toBe("get-0");
      expect(first && first.fields.messageCount).toBe(2);
      expect(first && first.properties.correlationId).toBe("get-0");
      if (first) ch.ack(first);
      const second = await ch.get(queue, { noAck: true });
      expect(second && second.content.toString()).toBe("get-1");
      const third = await ch.get(queue);
      expect(third && third.fields.messageCount).toBe(0);
      if (third) ch.ack(third);
      expect(await ch.get(queue)).toBe(false);
    });
  });

  it("reject and nack: requeued ones come back redelivered, the others are gone", async () => {
    await withConnection(async (c) => {
      const ch = await c.createChannel();
      const { queue } = await ch.assertQueue("", { exclusive: true });
      for (const b of bodies("r", 4)) ch.sendToQueue(queue, Buffer.from(b));
      await until("4 messages queued", () => server.heldCount(queue) === 4);

      const a = await ch.get(queue);
      if (!a) throw new Error("expected r-0");
      ch.reject(a, true);
      const again = await ch.get(queue);
      expect(again && again.content.toString()).toBe("r-0");
      expect(again && again.fields.redelivered).toBe(true);
      if (again) ch.reject(again, false);

      const b = await ch.get(queue);
      if (!b) throw new Error("expected r-1");
      ch.nack(b, false, true);
      const b2 = await ch.get(queue);
      expect(b2 && [b2.content.toString(), b2.fields.redelivered]).toEqual(["r-1", true]);
      if (b2) ch.nack(b2, false, false);

      // A consumer nacks two deliveries at once (multiple) with requeue; both come back redelivered.
      await ch.prefetch(2);
      const seen: Message[] = [];
      const { consumerTag } = await ch.consume(queue, (m) => m && seen.push(m));
      await until("2 deliveries", () => seen.length === 2);
      ch.nack(seen[1]!, true, true);
      await until("2 redeliveries", () => seen.length === 4);
      expect(seen.slice(2).map((m) => [m.content.toString(), m.fields.redelivered])).toEqual([
        ["r-2", true],
        ["r-3", true],
      ]);
      ch.ackAll();
      await ch.cancel(consumerTag);
      await until("queue empty", () => server.heldCount(queue) === 0);
    });
  });

  it("RPC: requests carry reply-to and correlation-id, replies come back on an exclusive reply queue", async () => {
    await withConnection(async (c) => {
      const serverCh = await c.createChannel();
      await serverCh.assertQueue("amqplib.rpc", { exclusive: true });
      await serverCh.consume("amqplib.rpc", (m) => {
        if (!m) return;
        const n = Number(m.content.toString());
        serverCh.sendToQueue(m.properties.replyTo, Buffer.from(String(n * n)), { correlationId: m.properties.correlationId });
        serverCh.ack(m);
      });

      const clientCh = await c.createChannel();
      const { queue: replyQueue } = await clientCh.assertQueue("", { exclusive: true });
      const pending = new Map<string, (v: string) => void>();
      await clientCh.consume(replyQueue, (m) => m && pending.get(m.properties.correlationId)?.(m.content.toString()), { noAck: true });
      const call = (n: number) =>
        new Promise<string>((resolve) => {
          const id = `rpc-${n}`;
          pending.set(id, resolve);
          clientCh.sendToQueue("amqplib.rpc", Buffer.from(String(n)), { replyTo: replyQueue, correlationId: id });
        });
      const answers = await within("the RPC replies", Promise.all([1, 2, 3, 4, 5].map(call)), 10_000);
      expect(answers).toEqual(["1", "4", "9", "16", "25"]);
    });
  });

  it(`heartbeats at ${HEARTBEAT_S} s: an idle connection survives several intervals and stays usable`, async () => {
    const { c, errors } = await open(server.urlWithHeartbeat(HEARTBEAT_S));
    let closed = false;
    c.on("close", () => {
      closed = true;
    });
    try {
      await sleep(IDLE_MS); // the point of the test: nothing but heartbeats, from the handshake on, for more than 3 intervals
      expect({ closed, errors: errors.map((e) => e.message) }).toEqual({ closed: false, errors: [] });
      const ch = await c.createChannel();
      const { queue } = await ch.assertQueue("", { exclusive: true });
      ch.sendToQueue(queue, Buffer.from("still here"));
      await until("the publish after idling", () => server.heldCount(queue) === 1);
      const m = await ch.get(queue, { noAck: true });
      expect(m && m.content.toString()).toBe("still here");
    } finally {
      await c.close().catch(() => {});
    }
  });

  it("publish a burst without waiting, then close (client in its own process): close settles without EPIPE, the broker carries on", async () => {
    await expectCleanBurstsThenClose(server, "amqplib-promise");
  }, 120_000); // the burst child may take 90 s on a loaded machine; the suite default is 30 s

  it("reconnects after the broker restarts (amqplib's own recovery): consumers come back, persistent messages survive", async () => {
    const received: string[] = [];
    const c = await amqp.connect(server.url, {
      recovery: {
        initialDelay: 50,
        maxDelay: 500,
        // Run after every (re)connect: the topology and the consumer are set up again.
        async setup(model: ChannelModel) {
          const ch = await model.createChannel();
          await ch.assertQueue("amqplib.reconnect", { durable: true });
          await ch.assertQueue("amqplib.reconnect.kept", { durable: true });
          await ch.consume("amqplib.reconnect", (m) => {
            if (!m) return;
            received.push(m.content.toString());
            ch.ack(m);
          });
        },
      },
    });
    const events: string[] = [];
    c.on("connect", () => events.push("connect"));
    c.on("disconnect", () => events.push("disconnect"));
    c.on("error", () => {});
    const confirmed = (ch: amqp.ConfirmChannel, queue: string, body: string) =>
      new Promise<void>((resolve, reject) => ch.sendToQueue(queue, Buffer.from(body), { persistent: true }, (err) => (err ? reject(err) : resolve())));
    try {
      const before = await c.createConfirmChannel();
      await confirmed(before, "amqplib.reconnect", "ping-1");
      await confirmed(before, "amqplib.reconnect.kept", "kept");
      await until("ping-1 consumed and its ack processed", () => received.includes("ping-1") && server.heldCount("amqplib.reconnect") === 0);

      await server.restart();
      await until("amqplib reconnected", () => events.includes("connect"), 15_000);
      expect(events[0]).toBe("disconnect");

      const after = await c.createConfirmChannel();
      await confirmed(after, "amqplib.reconnect", "ping-2");
      await until("ping-2 consumed by the consumer set up again", () => received.includes("ping-2"), 10_000);
      const kept = await after.get("amqplib.reconnect.kept", { noAck: true });
      expect(kept && kept.content.toString()).toBe("kept");
      expect(received).toEqual(["ping-1", "ping-2"]);
    } finally {
      await c.close().catch(() => {});
    }
  });
});

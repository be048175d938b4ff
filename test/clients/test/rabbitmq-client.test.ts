/**
 * rabbitmq-client 5.0.8 against the real broker: the channel API, its Publisher (confirms) and
 * Consumer (ack / requeue / drop by return value), and its own reconnection.
 */
import { type AsyncMessage, type Channel, Connection, ConsumerStatus } from "rabbitmq-client";
import { describe, expect, it } from "vitest";
import { bodies, HEARTBEAT_S, IDLE_MS, sleep, until, within } from "../src/wait.js";
import { expectCleanBurstsThenClose, useServer } from "./shared.js";

const server = useServer();

/** A connection that retries fast (the defaults wait seconds) and records its 'error' events. */
function connect(options: { heartbeat?: number } = {}): { rabbit: Connection; errors: string[]; connects: () => number } {
  const rabbit = new Connection({ url: server.url, retryLow: 50, retryHigh: 300, ...options });
  const errors: string[] = [];
  let connects = 0;
  rabbit.on("error", (e: Error) => errors.push(e.message));
  rabbit.on("connection", () => connects++);
  return { rabbit, errors, connects: () => connects };
}

async function withChannel<T>(fn: (ch: Channel, rabbit: Connection) => Promise<T>): Promise<T> {
  const { rabbit } = connect();
  try {
    await rabbit.onConnect(10_000);
    const ch = await rabbit.acquire();
    try {
      return await fn(ch, rabbit);
    } finally {
      await ch.close().catch(() => {});
    }
  } finally {
    await rabbit.close();
  }
}

describe("rabbitmq-client", () => {
  it("connects, declares, publishes with properties and consumes with ack", async () => {
    await withChannel(async (ch) => {
      await ch.exchangeDeclare({ exchange: "rc.headers", type: "headers", durable: false });
      const { queue } = await ch.queueDeclare({ queue: "", exclusive: true });
      await ch.queueBind({ queue, exchange: "rc.headers", arguments: { "x-match": "all", kind: "greeting" } });
      let got: AsyncMessage | undefined;
      await ch.basicConsume({ queue, noAck: false }, (m) => {
        got = m;
      });
      await ch.basicPublish(
        {
          exchange: "rc.headers",
          routingKey: "",
          contentType: "text/plain",
          headers: { kind: "greeting", "x-count": 3 },
          correlationId: "corr-r",
          messageId: "msg-r",
          durable: true,
          priority: 2,
          type: "greeting",
          appId: "client-tests",
          userId: "guest",
          timestamp: 1_700_000_000,
          expiration: "60000",
        },
        "hello",
      );
      await until("delivery", () => got !== undefined);
      const m = got!;
      expect(m.body).toBe("hello"); // text/plain is decoded to a string
      expect([m.exchange, m.redelivered]).toEqual(["rc.headers", false]);
      expect(m).toMatchObject({
        contentType: "text/plain",
        correlationId: "corr-r",
        messageId: "msg-r",
        durable: true,
        priority: 2,
        type: "greeting",
        appId: "client-tests",
        userId: "guest",
        timestamp: 1_700_000_000,
        expiration: "60000",
      });
      expect(m.headers).toMatchObject({ kind: "greeting", "x-count": 3 });
      ch.basicAck({ deliveryTag: m.deliveryTag });
      await until("the ack empties the queue", () => server.heldCount(queue) === 0);
    });
  });

  it("publisher confirms: a confirming Publisher's send resolves once the broker acks", async () => {
    await withChannel(async (ch, rabbit) => {
      const publisher = rabbit.createPublisher({ confirm: true, queues: [{ queue: "rc.confirms", durable: true }] });
      try {
        await within("the confirms", Promise.all(bodies("confirm", 100).map((b) => publisher.send({ routingKey: "rc.confirms", durable: true }, { b }))), 15_000);
      } finally {
        await publisher.close();
      }
      const { messageCount } = await ch.queueDelete({ queue: "rc.confirms" });
      expect(messageCount).toBe(100);
    });
  });

  it("basic.get: messages one at a time with the count left, and undefined on an empty queue", async () => {
    await withChannel(async (ch) => {
      const { queue } = await ch.queueDeclare({ queue: "", exclusive: true });
      for (const b of bodies("get", 3)) await ch.basicPublish({ routingKey: queue, correlationId: b }, { b });
      await until("3 messages queued", () => server.heldCount(queue) === 3);
      const first = await ch.basicGet({ queue });
      expect(first && [first.body, first.messageCount, first.correlationId, first.contentType]).toEqual([{ b: "get-0" }, 2, "get-0", "application/json"]);
      if (first) ch.basicAck({ deliveryTag: first.deliveryTag });
      const second = await ch.basicGet({ queue, noAck: true });
      expect(second?.body).toEqual({ b: "get-1" });
      const third = await ch.basicGet({ queue });
      expect(third?.messageCount).toBe(0);
      if (third) ch.basicAck({ deliveryTag: third.deliveryTag });
      expect(await ch.basicGet({ queue })).toBeUndefined();
    });
  });

  it("reject and nack: the Consumer requeues or drops by return value; basicNack with multiple", async () => {
    await withChannel(async (ch, rabbit) => {
      const { queue } = await ch.queueDeclare({ queue: "rc.reject", exclusive: true });
      for (const b of bodies("r", 3)) await ch.basicPublish({ routingKey: queue }, b);
      const seen: [string, boolean][] = [];
      const consumer = rabbit.createConsumer({ queue, queueOptions: { exclusive: true }, qos: { prefetchCount: 1 } }, (m) => {
        seen.push([String(m.body), m.redelivered]);
        if (m.body === "r-0" && !m.redelivered) return ConsumerStatus.REQUEUE;
        if (m.body === "r-1") return ConsumerStatus.DROP;
        return ConsumerStatus.ACK;
      });
      const consumerErrors: string[] = [];
      consumer.on("error", (e: Error) => consumerErrors.push(e.message));
      try {
        await until("r-0 redelivered and acked, r-1 dropped, r-2 acked", () => consumer.stats.acknowledged === 2 && consumer.stats.dropped === 1);
        expect(consumer.stats).toMatchObject({ acknowledged: 2, dropped: 1, requeued: 1 });
        expect(seen).toContainEqual(["r-0", true]);
        expect(consumerErrors).toEqual([]);
      } finally {
        await consumer.close();
      }
      await until("queue empty", () => server.heldCount(queue) === 0);

      // basicNack on the channel: two deliveries at once (multiple), with requeue, then without.
      for (const b of bodies("n", 2)) await ch.basicPublish({ routingKey: queue }, b);
      const got: AsyncMessage[] = [];
      await ch.basicQos({ prefetchCount: 2 });
      const { consumerTag } = await ch.basicConsume({ queue, noAck: false }, (m) => {
        got.push(m);
      });
      await until("2 deliveries", () => got.length === 2);
      ch.basicNack({ deliveryTag: got[1]!.deliveryTag, multiple: true, requeue: true });
      await until("2 redeliveries", () => got.length === 4);
      expect(got.slice(2).map((m) => [m.body, m.redelivered])).toEqual([
        ["n-0", true],
        ["n-1", true],
      ]);
      ch.basicNack({ deliveryTag: got[3]!.deliveryTag, multiple: true, requeue: false });
      await ch.basicCancel(consumerTag);
      await until("queue empty again", () => server.heldCount(queue) === 0);
    });
  });

  it("RPC: a Consumer replies to reply-to with the correlation-id, on an exclusive reply queue", async () => {
    await withChannel(async (ch, rabbit) => {
      const worker = rabbit.createConsumer({ queue: "rc.rpc", queueOptions: { exclusive: true } }, async (req, reply) => {
        await reply({ sum: (req.body as number[]).reduce((a, b) => a + b, 0) });
      });
      await new Promise<void>((resolve) => worker.once("ready", resolve));
      const { queue: replyQueue } = await ch.queueDeclare({ queue: "", exclusive: true });
      const replies = new Map<string, unknown>();
      await ch.basicConsume({ queue: replyQueue, noAck: true }, (m) => {
        replies.set(m.correlationId!, m.body);
      });
      await ch.basicPublish({ routingKey: "rc.rpc", replyTo: replyQueue, correlationId: "a" }, [1, 2, 3]);
      await ch.basicPublish({ routingKey: "rc.rpc", replyTo: replyQueue, correlationId: "b" }, [10, 20]);
      try {
        await until("2 replies", () => replies.size === 2);
      } finally {
        await worker.close();
      }
      expect(Object.fromEntries(replies)).toEqual({ a: { sum: 6 }, b: { sum: 30 } });
    });
  });

  it(`heartbeats at ${HEARTBEAT_S} s: an idle connection survives several intervals and stays usable`, async () => {
    const { rabbit, errors, connects } = connect({ heartbeat: HEARTBEAT_S });
    try {
      await rabbit.onConnect(10_000);
      await sleep(IDLE_MS); // the point of the test: nothing but heartbeats, from the handshake on, for more than 3 intervals
      expect({ errors, connects: connects(), ready: rabbit.ready }).toEqual({ errors: [], connects: 1, ready: true });
      const { queue } = await rabbit.queueDeclare({ queue: "", exclusive: true });
      const ch = await rabbit.acquire();
      await ch.basicPublish({ routingKey: queue }, "still here");
      await until("the publish after idling", () => server.heldCount(queue) === 1);
      expect((await ch.basicGet({ queue, noAck: true }))?.body).toBe("still here");
      await ch.close();
    } finally {
      await rabbit.close();
    }
  });

  it("publish a burst without waiting, then close (client in its own process): close settles without error, the broker carries on", async () => {
    await expectCleanBurstsThenClose(server, "rabbitmq-client");
  }, 120_000); // the burst child may take 90 s on a loaded machine; the suite default is 30 s

  it("reconnects after the broker restarts: its Consumer and Publisher resume, a persistent message survives", async () => {
    const { rabbit, connects } = connect();
    const received: string[] = [];
    const consumer = rabbit.createConsumer({ queue: "rc.reconnect", queueOptions: { durable: true } }, (m) => {
      received.push(String(m.body));
    });
    const consumerReady = new Promise<void>((resolve) => consumer.once("ready", resolve));
    const publisher = rabbit.createPublisher({ confirm: true, maxAttempts: 5, queues: [{ queue: "rc.reconnect.kept", durable: true }] });
    try {
      await rabbit.onConnect(10_000);
      await consumerReady;
      await publisher.send({ routingKey: "rc.reconnect", durable: true }, "ping-1");
      await publisher.send({ routingKey: "rc.reconnect.kept", durable: true }, "kept");
      await until("ping-1 consumed and its ack processed", () => received.includes("ping-1") && server.heldCount("rc.reconnect") === 0);

      await server.restart();
      await until("rabbitmq-client reconnected", () => connects() === 2, 15_000);
      await publisher.send({ routingKey: "rc.reconnect", durable: true }, "ping-2");
      await until("ping-2 consumed by the Consumer after it resumed", () => received.includes("ping-2"), 10_000);
      const kept = await rabbit.basicGet({ queue: "rc.reconnect.kept", noAck: true });
      expect(kept?.body).toBe("kept");
      expect(received).toEqual(["ping-1", "ping-2"]);
    } finally {
      await publisher.close();
      await consumer.close();
      await rabbit.close();
    }
  });
});

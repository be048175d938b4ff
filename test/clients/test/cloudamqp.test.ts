/**
 * @cloudamqp/amqp-client 4.1.1 against the real broker: the channel API of AMQPClient, and AMQPSession
 * for reconnection. This client is strict about heartbeats: its socket times out after ONE heartbeat
 * interval without a byte from the broker ("Heartbeat timeout").
 */
import { type AMQPChannel, AMQPClient, type AMQPMessage, AMQPSession } from "@cloudamqp/amqp-client";
import { describe, expect, it } from "vitest";
import { bodies, HEARTBEAT_S, IDLE_MS, sleep, until, within } from "../src/wait.js";
import { expectCleanBurstsThenClose, useServer } from "./shared.js";

const server = useServer();

/** Connections idling at once in the heartbeat test: a late first heartbeat kills each with some probability, so several make it show. */
const HEARTBEAT_CONNECTIONS = 8;

async function open(url = server.url): Promise<{ c: AMQPClient; errors: string[] }> {
  const c = new AMQPClient(url);
  const errors: string[] = [];
  c.onerror = (e) => errors.push(e.message);
  await c.connect();
  return { c, errors };
}

async function withChannel<T>(fn: (ch: AMQPChannel) => Promise<T>): Promise<T> {
  const { c } = await open();
  try {
    return await fn(await c.channel());
  } finally {
    await c.close().catch(() => {});
  }
}

describe("@cloudamqp/amqp-client", () => {
  it("connects, declares, publishes with properties and consumes with ack", async () => {
    await withChannel(async (ch) => {
      await ch.exchangeDeclare("cloudamqp.fanout", "fanout", { durable: false });
      const { name: queue } = await ch.queueDeclare("", { exclusive: true });
      await ch.queueBind(queue, "cloudamqp.fanout", "");
      let got: AMQPMessage | undefined;
      await ch.basicConsume(queue, { noAck: false }, (m) => {
        got = m;
      });
      await ch.basicPublish("cloudamqp.fanout", "any", "hello", {
        contentType: "text/plain",
        contentEncoding: "identity",
        headers: { "x-int": 7, "x-str": "seven", "x-bool": false },
        correlationId: "corr-c",
        messageId: "msg-c",
        deliveryMode: 2,
        priority: 3,
        type: "greeting",
        appId: "client-tests",
        timestamp: new Date(1_700_000_000_000),
        expiration: "60000",
      });
      await until("delivery", () => got !== undefined);
      const m = got!;
      expect(m.bodyString()).toBe("hello");
      expect([m.exchange, m.routingKey, m.redelivered]).toEqual(["cloudamqp.fanout", "any", false]);
      expect(m.properties).toMatchObject({
        contentType: "text/plain",
        contentEncoding: "identity",
        correlationId: "corr-c",
        messageId: "msg-c",
        deliveryMode: 2,
        priority: 3,
        type: "greeting",
        appId: "client-tests",
        expiration: "60000",
      });
      expect(m.properties.headers).toMatchObject({ "x-int": 7, "x-str": "seven", "x-bool": false });
      expect(m.properties.timestamp?.getTime()).toBe(1_700_000_000_000);
      await m.ack();
      await until("the ack empties the queue", () => server.heldCount(queue) === 0);
    });
  });

  it("publisher confirms: basicPublish resolves to the delivery tag once the broker confirms", async () => {
    await withChannel(async (ch) => {
      await ch.confirmSelect();
      await ch.queueDeclare("cloudamqp.confirms", { durable: true });
      const tags = await within("the confirms", Promise.all(bodies("confirm", 100).map((b) => ch.basicPublish("", "cloudamqp.confirms", b, { deliveryMode: 2 }))), 15_000);
      expect(tags).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect((await ch.queueDelete("cloudamqp.confirms")).messageCount).toBe(100);
    });
  });

  it("basic.get: messages one at a time with the count left, and null on an empty queue", async () => {
    await withChannel(async (ch) => {
      const { name: queue } = await ch.queueDeclare("", { exclusive: true });
      for (const b of bodies("get", 3)) await ch.basicPublish("", queue, b, { correlationId: b });
      await until("3 messages queued", () => server.heldCount(queue) === 3);
      const first = await ch.basicGet(queue, { noAck: false });
      expect([first?.bodyString(), first?.messageCount, first?.properties.correlationId]).toEqual(["get-0", 2, "get-0"]);
      await first?.ack();
      const second = await ch.basicGet(queue, { noAck: true });
      expect(second?.bodyString()).toBe("get-1");
      const third = await ch.basicGet(queue, { noAck: false });
      expect(third?.messageCount).toBe(0);
      await third?.ack();
      expect(await ch.basicGet(queue)).toBeNull();
    });
  });

  it("reject and nack: requeued ones come back redelivered, the others are gone", async () => {
    await withChannel(async (ch) => {
      const { name: queue } = await ch.queueDeclare("", { exclusive: true });
      for (const b of bodies("r", 4)) await ch.basicPublish("", queue, b);
      await until("4 messages queued", () => server.heldCount(queue) === 4);
      await ch.basicQos(4);
      const seen: AMQPMessage[] = [];
      await ch.basicConsume(queue, { noAck: false }, (m) => {
        seen.push(m);
      });
      await until("4 deliveries", () => seen.length === 4);
      await seen[0]!.reject(true); // r-0 back
      await seen[1]!.reject(false); // r-1 gone
      await seen[3]!.nack(true, true); // r-2 and r-3 back (multiple)
      await until("3 redeliveries", () => seen.length === 7);
      expect(
        seen
          .slice(4)
          .map((m) => [m.bodyString(), m.redelivered])
          .sort(),
      ).toEqual([
        ["r-0", true],
        ["r-2", true],
        ["r-3", true],
      ]);
      await seen[6]!.nack(false, true); // all three dropped at once
      await until("queue empty", () => server.heldCount(queue) === 0);
    });
  });

  it("RPC: requests carry reply-to and correlation-id, replies come back on an exclusive reply queue", async () => {
    await withChannel(async (ch) => {
      await ch.queueDeclare("cloudamqp.rpc", { exclusive: true });
      await ch.basicConsume("cloudamqp.rpc", { noAck: false }, async (m) => {
        const reply = String(Number(m.bodyString()) + 1);
        await ch.basicPublish("", m.properties.replyTo!, reply, { correlationId: m.properties.correlationId! });
        await m.ack();
      });
      const { name: replyQueue } = await ch.queueDeclare("", { exclusive: true });
      const replies = new Map<string, string>();
      await ch.basicConsume(replyQueue, { noAck: true }, (m) => {
        replies.set(m.properties.correlationId!, m.bodyString()!);
      });
      for (const n of [10, 20, 30]) await ch.basicPublish("", "cloudamqp.rpc", String(n), { replyTo: replyQueue, correlationId: `n${n}` });
      await until("3 replies", () => replies.size === 3);
      expect(Object.fromEntries(replies)).toEqual({ n10: "11", n20: "21", n30: "31" });
    });
  });

  it(`heartbeats at ${HEARTBEAT_S} s: ${HEARTBEAT_CONNECTIONS} connections idle from the handshake on survive several intervals (this client drops after one silent interval)`, async () => {
    // Nothing after connection.open-ok: the broker's heartbeats are all these connections hear, from the first interval on.
    const opened = await Promise.all(Array.from({ length: HEARTBEAT_CONNECTIONS }, () => open(server.urlWithHeartbeat(HEARTBEAT_S))));
    try {
      expect(opened.map(({ c }) => c.heartbeat)).toEqual(opened.map(() => HEARTBEAT_S));
      await sleep(IDLE_MS); // the point of the test: nothing but heartbeats for more than 3 intervals
      const dead = opened.map(({ c, errors }, i) => (c.closed || errors.length > 0 ? `connection ${i}: ${errors.join("; ") || "closed"}` : "")).filter(Boolean);
      expect(dead).toEqual([]);
      for (const { c } of opened) {
        const ch = await c.channel();
        const { name } = await ch.queueDeclare("", { exclusive: true });
        await ch.basicPublish("", name, "still here");
        await until("the publish after idling", () => server.heldCount(name) === 1);
        expect((await ch.basicGet(name, { noAck: true }))?.bodyString()).toBe("still here");
      }
    } finally {
      await Promise.all(opened.map(({ c }) => c.close().catch(() => {})));
    }
  });

  it("publish a burst without waiting, then close (client in its own process): close settles without error, the broker carries on", async () => {
    await expectCleanBurstsThenClose(server, "cloudamqp");
  }, 120_000); // the burst child may take 90 s on a loaded machine; the suite default is 30 s

  it("reconnects after the broker restarts (AMQPSession): the subscription is recovered, a persistent message survives", async () => {
    const events: string[] = [];
    const session = await AMQPSession.connect(server.url, {
      reconnectInterval: 100,
      maxReconnectInterval: 500,
      onconnect: () => events.push("connect"),
      ondisconnect: () => events.push("disconnect"),
      onfailed: (e) => events.push(`failed: ${e?.message}`),
    });
    const received: string[] = [];
    try {
      const q = await session.queue("cloudamqp.reconnect", { durable: true });
      const kept = await session.queue("cloudamqp.reconnect.kept", { durable: true });
      await q.subscribe((m) => {
        received.push(m.bodyString()!);
      });
      await q.publish("ping-1"); // confirmed and persistent by default
      await kept.publish("kept");
      await until("ping-1 consumed and its ack processed", () => received.includes("ping-1") && server.heldCount("cloudamqp.reconnect") === 0);

      await server.restart();
      await until("the session reconnected", () => events.includes("disconnect") && events.lastIndexOf("connect") > events.indexOf("disconnect"), 15_000);
      await q.publish("ping-2");
      await until("ping-2 consumed by the recovered subscription", () => received.includes("ping-2"), 10_000);
      const m = await kept.get({ noAck: true });
      expect(m?.bodyString()).toBe("kept");
      expect(received).toEqual(["ping-1", "ping-2"]);
      expect(events.filter((e) => e.startsWith("failed"))).toEqual([]);
    } finally {
      await session.stop().catch(() => {});
    }
  });
});

/**
 * amqp-connection-manager 5.0.0 (over amqplib 2.3.1) against the real broker: ChannelWrapper with
 * setup functions, confirms by default, and reconnection with consumers set up again.
 */
import amqpConnectionManager, { type AmqpConnectionManager, type ChannelWrapper } from "amqp-connection-manager";
import type { Channel, ConsumeMessage } from "amqplib";
import { describe, expect, it } from "vitest";
import { bodies, HEARTBEAT_S, IDLE_MS, sleep, until, within } from "../src/wait.js";
import { expectCleanBurstsThenClose, useServer } from "./shared.js";

const server = useServer();

interface Managed {
  manager: AmqpConnectionManager;
  /** connect, disconnect: ..., connectFailed: ... in order. */
  events: string[];
}

function manage(options: { heartbeat?: number } = {}): Managed {
  const manager = amqpConnectionManager.connect([server.url], {
    heartbeatIntervalInSeconds: options.heartbeat ?? 0,
    reconnectTimeInSeconds: 0.1,
  });
  const events: string[] = [];
  manager.on("connect", () => events.push("connect"));
  manager.on("disconnect", ({ err }) => events.push(`disconnect: ${err?.message}`));
  manager.on("connectFailed", ({ err }) => events.push(`connectFailed: ${err.message}`));
  return { manager, events };
}

async function withWrapper<T>(setup: (ch: Channel) => Promise<unknown>, fn: (w: ChannelWrapper) => Promise<T>, confirm = true): Promise<T> {
  const { manager } = manage();
  const wrapper = manager.createChannel({ confirm, setup: (ch: Channel) => setup(ch).then(() => undefined) });
  try {
    await within("the channel wrapper connecting", wrapper.waitForConnect(), 10_000);
    return await fn(wrapper);
  } finally {
    await wrapper.close();
    await manager.close();
  }
}

describe("amqp-connection-manager", () => {
  it("connects, declares in a setup function, publishes with properties and consumes with ack", async () => {
    let got: ConsumeMessage | undefined;
    await withWrapper(
      async (ch) => {
        await ch.assertExchange("acm.direct", "direct", { durable: false });
        await ch.assertQueue("acm.greetings", { exclusive: true });
        await ch.bindQueue("acm.greetings", "acm.direct", "hello");
      },
      async (w) => {
        await w.consume("acm.greetings", (m) => {
          got = m;
        });
        await w.publish("acm.direct", "hello", Buffer.from("hi there"), {
          contentType: "text/plain",
          headers: { "x-attempt": 1, "x-source": "acm" },
          correlationId: "corr-a",
          messageId: "msg-a",
          persistent: true,
          type: "greeting",
          appId: "client-tests",
          timestamp: 1_700_000_000,
        });
        await until("delivery", () => got !== undefined);
        const m = got!;
        expect(m.content.toString()).toBe("hi there");
        expect(m.fields).toMatchObject({ exchange: "acm.direct", routingKey: "hello", redelivered: false });
        expect(m.properties).toMatchObject({ contentType: "text/plain", correlationId: "corr-a", messageId: "msg-a", deliveryMode: 2, type: "greeting", appId: "client-tests", timestamp: 1_700_000_000 });
        expect(m.properties.headers).toMatchObject({ "x-attempt": 1, "x-source": "acm" });
        w.ack(m);
        await until("the ack empties the queue", () => server.heldCount("acm.greetings") === 0);
      },
    );
  });

  it("publisher confirms: a confirm wrapper's publish resolves once the broker acks (JSON bodies)", async () => {
    const { manager } = manage();
    const w = manager.createChannel({ json: true, setup: (ch: Channel) => ch.assertQueue("acm.confirms", { durable: true }).then(() => undefined) });
    try {
      const acked = await within("the confirms", Promise.all(bodies("confirm", 100).map((b) => w.sendToQueue("acm.confirms", { b }, { persistent: true }))), 15_000);
      expect(acked.every((ok) => ok === true)).toBe(true);
      const first = await w.get("acm.confirms", { noAck: true });
      expect(first && JSON.parse(first.content.toString())).toEqual({ b: "confirm-0" });
      expect((await w.deleteQueue("acm.confirms")).messageCount).toBe(99);
    } finally {
      await w.close();
      await manager.close();
    }
  });

  it("basic.get: messages one at a time with the count left, and false on an empty queue", async () => {
    await withWrapper(
      (ch) => ch.assertQueue("acm.get", { exclusive: true }),
      async (w) => {
        for (const b of bodies("get", 3)) await w.sendToQueue("acm.get", Buffer.from(b));
        const first = await w.get("acm.get");
        expect(first && [first.content.toString(), first.fields.messageCount]).toEqual(["get-0", 2]);
        if (first) w.ack(first);
        const second = await w.get("acm.get", { noAck: true });
        expect(second && second.content.toString()).toBe("get-1");
        const third = await w.get("acm.get");
        expect(third && third.fields.messageCount).toBe(0);
        if (third) w.ack(third);
        expect(await w.get("acm.get")).toBe(false);
      },
    );
  });

  it("reject and nack: requeued ones come back redelivered, the others are gone", async () => {
    await withWrapper(
      (ch) => ch.assertQueue("acm.reject", { exclusive: true }),
      async (w) => {
        for (const b of bodies("r", 3)) await w.sendToQueue("acm.reject", Buffer.from(b));
        const seen: ConsumeMessage[] = [];
        await w.consume("acm.reject", (m) => seen.push(m), { prefetch: 3 });
        await until("3 deliveries", () => seen.length === 3);
        w.nack(seen[0]!, false, true); // r-0 back
        w.nack(seen[1]!, false, false); // r-1 gone
        w.nack(seen[2]!, false, true); // r-2 back
        await until("2 redeliveries", () => seen.length === 5);
        expect(seen.slice(3).map((m) => [m.content.toString(), m.fields.redelivered])).toEqual([
          ["r-0", true],
          ["r-2", true],
        ]);
        w.nackAll(false);
        await until("queue empty", () => server.heldCount("acm.reject") === 0);
      },
    );
  });

  it("RPC: requests carry reply-to and correlation-id, replies come back on an exclusive reply queue", async () => {
    let replyQueue = "";
    const replies = new Map<string, string>();
    await withWrapper(
      async (ch) => {
        await ch.assertQueue("acm.rpc", { exclusive: true });
        replyQueue = (await ch.assertQueue("", { exclusive: true })).queue;
      },
      async (w) => {
        await w.consume("acm.rpc", (m) => {
          void w.sendToQueue(m.properties.replyTo, Buffer.from(`re: ${m.content.toString()}`), { correlationId: m.properties.correlationId });
          w.ack(m);
        });
        await w.consume(replyQueue, (m) => replies.set(m.properties.correlationId, m.content.toString()), { noAck: true });
        await w.sendToQueue("acm.rpc", Buffer.from("one"), { replyTo: replyQueue, correlationId: "1" });
        await w.sendToQueue("acm.rpc", Buffer.from("two"), { replyTo: replyQueue, correlationId: "2" });
        await until("2 replies", () => replies.size === 2);
        expect(Object.fromEntries(replies)).toEqual({ "1": "re: one", "2": "re: two" });
      },
    );
  });

  it(`heartbeats at ${HEARTBEAT_S} s: an idle connection survives several intervals and stays usable`, async () => {
    const { manager, events } = manage({ heartbeat: HEARTBEAT_S });
    try {
      await within("connect", manager.connect(), 10_000);
      await sleep(IDLE_MS); // the point of the test: nothing but heartbeats, from the handshake on, for more than 3 intervals
      expect(events).toEqual(["connect"]);
      expect(manager.isConnected()).toBe(true);
      const w = manager.createChannel({ setup: (ch: Channel) => ch.assertQueue("acm.heartbeat", { exclusive: true }).then(() => undefined) });
      await w.sendToQueue("acm.heartbeat", Buffer.from("still here"));
      const m = await w.get("acm.heartbeat", { noAck: true });
      expect(m && m.content.toString()).toBe("still here");
      await w.close();
    } finally {
      await manager.close();
    }
  });

  it("publish a burst without waiting, then close (client in its own process): close settles without error, the broker carries on", async () => {
    await expectCleanBurstsThenClose(server, "amqp-connection-manager");
  }, 120_000); // the burst child may take 90 s on a loaded machine; the suite default is 30 s

  it("reconnects after the broker restarts: setup and consumers run again, publishes resume, a persistent message survives", async () => {
    const { manager, events } = manage();
    const received: string[] = [];
    const w = manager.createChannel({
      setup: async (ch: Channel) => {
        await ch.assertQueue("acm.reconnect", { durable: true });
        await ch.assertQueue("acm.reconnect.kept", { durable: true });
      },
    });
    try {
      await w.consume("acm.reconnect", (m) => {
        received.push(m.content.toString());
        w.ack(m);
      });
      await w.sendToQueue("acm.reconnect", Buffer.from("ping-1"), { persistent: true });
      await w.sendToQueue("acm.reconnect.kept", Buffer.from("kept"), { persistent: true });
      await until("ping-1 consumed and its ack processed", () => received.includes("ping-1") && server.heldCount("acm.reconnect") === 0);

      await server.restart();
      await until("reconnected", () => events.filter((e) => e === "connect").length === 2, 15_000);
      await within("the publish after the restart", w.sendToQueue("acm.reconnect", Buffer.from("ping-2"), { persistent: true }), 10_000);
      await until("ping-2 consumed by the consumer set up again", () => received.includes("ping-2"), 10_000);
      const kept = await w.get("acm.reconnect.kept", { noAck: true });
      expect(kept && kept.content.toString()).toBe("kept");
      expect(received).toEqual(["ping-1", "ping-2"]);
      expect(events.filter((e) => e.startsWith("disconnect"))).toHaveLength(1);
    } finally {
      await w.close();
      await manager.close();
    }
  });
});

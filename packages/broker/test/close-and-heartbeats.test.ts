/**
 * What real clients tripped over (issue 16): the close handshake as RabbitMQ does it (after
 * close-ok the server reads and discards until the client closes, so a client still writing gets
 * no reset), heartbeats from the end of the handshake at half the interval, and the cap on
 * connections in the handshake.
 */
import { connect, type Socket } from "node:net";
import { FrameType, MethodId, ReplyCode } from "@amqp-go/protocol";
import amqp from "amqplib";
import { describe, expect, it } from "vitest";
import { until, useBroker } from "./helpers.js";
import { expectWorking, RawClient, rawFrame, sleep } from "./raw-client.js";

const t = useBroker();
const heartbeatFrame = () => rawFrame(FrameType.Heartbeat, 0, Buffer.alloc(0));

describe.concurrent("the close handshake", () => {
  it("after close-ok the server keeps reading (and discarding) until the client closes: no reset for a client still writing", async () => {
    const c = await RawClient.open(t.port, { heartbeat: 0 });
    await c.openChannel(1);
    c.send(0, { id: MethodId.ConnectionClose, replyCode: 200, replyText: "bye", classId: 0, methodId: 0 });
    await c.expectMethod(0, MethodId.ConnectionCloseOk);
    // What amqplib does: frames queued before its connection.close keep coming after close-ok.
    const publish = { id: MethodId.BasicPublish, reserved1: 0, exchange: "", routingKey: "q", mandatory: false, immediate: false } as const;
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j < 200; j++) c.send(1, publish);
      await sleep(15);
    }
    expect(c.error).toBeUndefined();
    expect(c.ended).toBe(false);
    expect(c.closed).toBe(false);
    c.socket.end();
    await c.waitClosed();
    expect(c.error).toBeUndefined();
  });

  it("amqplib: a burst of publishes without waiting, then close(): close settles, no EPIPE", async () => {
    for (const n of [5, 50, 500, 1000, 1000, 1000]) {
      const c = await amqp.connect(t.url);
      const errors: Error[] = [];
      c.on("error", (e: Error) => errors.push(e));
      const ch = await c.createChannel();
      await ch.assertQueue("", { exclusive: true });
      const body = Buffer.alloc(256, 1);
      for (let i = 0; i < n; i++) ch.sendToQueue("burst-nowhere", body);
      await c.close();
      expect({ n, errors: errors.map((e) => e.message) }).toEqual({ n, errors: [] });
    }
    await expectWorking(t.url);
  });

  it("after the server's connection.close, frames the client still sends are discarded; close-ok ends it cleanly", async () => {
    const c = await RawClient.open(t.port, { heartbeat: 0 });
    c.send(5, { id: MethodId.ChannelFlow, active: true });
    const close = await c.nextClose();
    expect(close.replyCode).toBe(ReplyCode.CHANNEL_ERROR);
    for (let i = 0; i < 10; i++) {
      c.send(5, { id: MethodId.ChannelFlow, active: true });
      await sleep(20);
    }
    expect(c.error).toBeUndefined();
    expect(c.closed).toBe(false);
    c.send(0, { id: MethodId.ConnectionCloseOk });
    await c.waitEnded();
    c.socket.end();
    await c.waitClosed();
    expect(c.error).toBeUndefined();
    expect(c.frames.filter((f) => f.type === "method").length).toBe(4); // start, tune, open-ok, close
  });
});

describe.concurrent("heartbeats", () => {
  it("with heartbeat 2 the first comes about 1 s after open-ok, then the server is never silent for much more than 1 s", async () => {
    const c = await RawClient.open(t.port, { heartbeat: 2 });
    const opened = Date.now();
    const arrivals: number[] = [];
    c.socket.on("data", () => arrivals.push(Date.now()));
    const keepAlive = setInterval(() => c.write(heartbeatFrame()), 500);
    await sleep(4300);
    clearInterval(keepAlive);
    c.socket.destroy();
    // On main the first came 2 s after open-ok, and a silence could last a whole interval.
    expect(arrivals[0]! - opened).toBeGreaterThan(800);
    expect(arrivals[0]! - opened).toBeLessThan(1400);
    const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!);
    expect(Math.max(...gaps)).toBeLessThan(1400);
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
  });

  it("a heartbeat still fills the half interval after other traffic", async () => {
    const c = await RawClient.open(t.port, { heartbeat: 2 });
    await c.openChannel(1);
    const arrivals: number[] = [];
    c.socket.on("data", () => arrivals.push(Date.now()));
    const keepAlive = setInterval(() => c.write(heartbeatFrame()), 500);
    // Traffic at odd moments: each answer is followed by a heartbeat within about half the interval.
    for (const wait of [300, 700, 1100]) {
      await sleep(wait);
      c.send(1, { id: MethodId.ExchangeDeclare, reserved1: 0, exchange: "amq.direct", type: "direct", passive: true, durable: false, autoDelete: false, internal: false, noWait: false, arguments: {} });
    }
    await sleep(1500);
    clearInterval(keepAlive);
    c.socket.destroy();
    const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!);
    expect(Math.max(...gaps)).toBeLessThan(1400);
  });
});

describe("connections in the handshake are capped", () => {
  const capped = useBroker({ maxHandshakingConnections: 3 });

  const silentSocket = (port: number): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = connect({ port, host: "127.0.0.1" });
      s.once("connect", () => resolve(s));
      s.once("error", reject);
    });

  it("beyond the cap a new socket is closed at once; open connections do not count; a freed place is taken again", async () => {
    const open = await amqp.connect(capped.url);
    const silent = await Promise.all([silentSocket(capped.port), silentSocket(capped.port), silentSocket(capped.port)]);
    await until(() => capped.broker.handshakingConnections === 3);
    const extra = await RawClient.connect(capped.port);
    extra.sendProtocolHeader();
    await extra.waitClosed(1000);
    expect(extra.frames).toEqual([]);
    expect(capped.broker.counters.handshakesRefused).toBeGreaterThanOrEqual(1);
    // The connection opened before is not affected.
    await (await open.createChannel()).checkExchange("amq.direct");
    silent[0]!.destroy();
    await until(() => capped.broker.handshakingConnections === 2);
    await expectWorking(capped.url);
    expect(capped.broker.handshakingConnections).toBe(2);
    for (const s of silent) s.destroy();
    await until(() => capped.broker.handshakingConnections === 0);
    await open.close();
  });
});

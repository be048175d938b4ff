/**
 * The connection over a real socket: the handshake, protocol header, authentication, vhosts,
 * handshake timeout, heartbeats, a tune-ok outside the server's limits. Raw sockets say what
 * amqplib never would; after every error a fresh amqplib connection must still work. Channels and
 * frame errors: connection-channels.test.ts; closing: connection-close.test.ts.
 */
import { encodeFieldTable, FrameType, MethodId, PROTOCOL_HEADER, ReplyCode } from "@amqp-go/protocol";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Broker } from "../src/index.js";
import { channel, useBroker } from "./helpers.js";
import { expectConnectionClose, expectWorking, RawClient, rawFrame, sleep, tunedTo } from "./raw-client.js";

/** A failed handshake that RabbitMQ answers with silence is dropped after this long (default 3 s). */
const HANDSHAKE_ERROR_DELAY = 300;
const t = useBroker({ handshakeErrorDelay: HANDSHAKE_ERROR_DELAY });

/** The server says nothing more after connection.start and drops the socket after the delay. */
async function expectSilentDrop(c: RawClient) {
  const t0 = Date.now();
  await c.waitClosed(HANDSHAKE_ERROR_DELAY + 1500);
  expect(c.frames.map((f) => (f.type === "method" ? f.method.id : f.type))).toEqual([MethodId.ConnectionStart]);
  return c.closedAt - t0;
}


describe("handshake over a raw socket", () => {
  // A broker with nothing set: what it proposes in connection.tune are its defaults.
  const d = {} as { broker: Broker; port: number };
  beforeAll(async () => {
    d.broker = new Broker();
    d.port = (await d.broker.listen({ port: 0, host: "127.0.0.1" })).port;
  });
  afterAll(() => d.broker.close());

  it("header, start, start-ok, tune, tune-ok, open, channel.open, then the close handshake", async () => {
    const c = await RawClient.connect(d.port);
    c.sendProtocolHeader();
    const start = await c.expectMethod(0, MethodId.ConnectionStart);
    expect(start.versionMajor).toBe(0);
    expect(start.versionMinor).toBe(9);
    expect(start.serverProperties.capabilities).toMatchObject({
      publisher_confirms: true,
      exchange_exchange_bindings: true,
      "basic.nack": true,
      consumer_cancel_notify: true,
      "connection.blocked": true,
      authentication_failure_close: true,
      per_consumer_qos: true,
    });
    expect(start.serverProperties).toMatchObject({ product: "amqp-go" });
    expect(start.mechanisms.toString().split(" ")).toEqual(expect.arrayContaining(["PLAIN", "AMQPLAIN"]));
    expect(start.locales.toString().split(" ")).toContain("en_US");

    c.startOk({ user: "guest", password: "guest" });
    const tune = await c.expectMethod(0, MethodId.ConnectionTune);
    expect({ channelMax: tune.channelMax, frameMax: tune.frameMax, heartbeat: tune.heartbeat }).toEqual({
      channelMax: 2047,
      frameMax: 131072,
      heartbeat: 60,
    });
    c.send(0, { id: MethodId.ConnectionTuneOk, channelMax: 2047, frameMax: 131072, heartbeat: 0 });
    c.send(0, { id: MethodId.ConnectionOpen, virtualHost: "/" });
    await c.expectMethod(0, MethodId.ConnectionOpenOk);
    expect(d.broker.connections.size).toBe(1);

    c.send(1, { id: MethodId.ChannelOpen });
    await c.expectMethod(1, MethodId.ChannelOpenOk);
    c.send(1, { id: MethodId.ChannelClose, replyCode: 200, replyText: "bye", classId: 0, methodId: 0 });
    await c.expectMethod(1, MethodId.ChannelCloseOk);

    c.send(0, { id: MethodId.ConnectionClose, replyCode: 200, replyText: "bye", classId: 0, methodId: 0 });
    await c.expectMethod(0, MethodId.ConnectionCloseOk);
    await c.waitClosed();
    expect(c.parseError).toBeUndefined();
    await sleep(20);
    expect(d.broker.connections.size).toBe(0);
  });

  it("takes the protocol header and frames in any split, byte by byte", async () => {
    const c = await RawClient.connect(d.port);
    for (const b of PROTOCOL_HEADER) {
      c.write(Buffer.of(b));
      await sleep(2);
    }
    await c.expectMethod(0, MethodId.ConnectionStart);
    c.writer.method(0, { id: MethodId.ConnectionStartOk, clientProperties: {}, mechanism: "PLAIN", response: Buffer.from("\0guest\0guest"), locale: "en_US" });
    const startOk = c.writer.take();
    for (let i = 0; i < startOk.length; i += 3) {
      c.write(startOk.subarray(i, i + 3));
      await sleep(1);
    }
    const tune = await c.expectMethod(0, MethodId.ConnectionTune);
    // tune-ok and open in one write.
    c.writer.method(0, { id: MethodId.ConnectionTuneOk, channelMax: tune.channelMax, frameMax: tune.frameMax, heartbeat: 0 });
    c.writer.method(0, { id: MethodId.ConnectionOpen, virtualHost: "/" });
    c.write(c.writer.take());
    await c.expectMethod(0, MethodId.ConnectionOpenOk);
    c.destroy();
  });

  it("logs in with AMQPLAIN", async () => {
    const c = await RawClient.connect(d.port);
    const b = Buffer.alloc(256);
    const end = encodeFieldTable(b, 0, { LOGIN: "guest", PASSWORD: "guest" });
    // AMQPLAIN's response is the table without its size.
    await c.handshake({ mechanism: "AMQPLAIN", response: b.subarray(4, end), heartbeat: 0 });
    c.destroy();
  });

  it("accepts the 0-9 protocol header, as RabbitMQ does", async () => {
    const c = await RawClient.connect(d.port);
    c.write("AMQP\x01\x01\x00\x09");
    await c.expectMethod(0, MethodId.ConnectionStart);
    c.destroy();
  });
});

describe("protocol header", () => {
  it.each([
    ["a newer AMQP version", "AMQP\x00\x00\x09\x02"],
    ["AMQP 1.0", "AMQP\x00\x01\x00\x00"],
    ["HTTP", "HTTP/1.1"],
    ["an HTTP request", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"],
  ])("answers %s with AMQP 0-9-1's header and closes the socket", async (_, header) => {
    const c = await RawClient.connect(t.port);
    c.write(header);
    await c.waitClosed(1500);
    expect(c.raw.toString("latin1")).toBe("AMQP\x00\x00\x09\x01");
    expect(c.frames).toEqual([]);
    await expectWorking(t.url);
  });
});

describe("authentication", () => {
  it("a wrong password makes amqplib's connect reject with 403", async () => {
    const err = await amqp.connect(t.url.replace("guest:guest", "guest:wrong")).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/403/);
    expect(err!.message).toMatch(/ACCESS_REFUSED - Login was refused/);
    await expectWorking(t.url);
  });

  it("a wrong password is answered with connection.close 403 (authentication_failure_close)", async () => {
    const c = await RawClient.connect(t.port);
    await c.start();
    c.startOk({ user: "guest", password: "nope", capabilities: { authentication_failure_close: true } });
    const close = await expectConnectionClose(c, ReplyCode.ACCESS_REFUSED);
    expect(close.replyText).toMatch(/^ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN/);
    expect(t.broker.connections.size).toBe(0);
    await expectWorking(t.url);
  });

  it("an unknown user is refused the same way", async () => {
    const c = await RawClient.connect(t.port);
    await c.start();
    c.startOk({ user: "mallory", password: "guest" });
    await expectConnectionClose(c, ReplyCode.ACCESS_REFUSED);
    await expectWorking(t.url);
  });

  it("without authentication_failure_close, a refused login is not answered: the socket is dropped after a delay", async () => {
    const c = await RawClient.connect(t.port);
    await c.start();
    c.startOk({ user: "guest", password: "nope", capabilities: {} });
    const after = await expectSilentDrop(c);
    // As RabbitMQ: a delay slows down password guessing.
    expect(after).toBeGreaterThanOrEqual(HANDSHAKE_ERROR_DELAY - 50);
    await expectWorking(t.url);
  });

  it("a malformed PLAIN response is refused", async () => {
    const c = await RawClient.connect(t.port);
    await c.start();
    c.startOk({ response: Buffer.from("guest") });
    await c.waitClosed(HANDSHAKE_ERROR_DELAY + 1500);
    expect(c.frames.some((f) => f.type === "method" && f.method.id === MethodId.ConnectionTune)).toBe(false);
    await expectWorking(t.url);
  });

  it("an unknown mechanism is not answered: the socket is dropped, as RabbitMQ does", async () => {
    const c = await RawClient.connect(t.port);
    await c.start();
    c.startOk({ mechanism: "EXTERNAL", response: Buffer.alloc(0) });
    await expectSilentDrop(c);
    await expectWorking(t.url);
  });

  it("a method out of order in the handshake (connection.open before tune-ok) drops the connection", async () => {
    const c = await RawClient.connect(t.port);
    await c.start();
    c.send(0, { id: MethodId.ConnectionOpen, virtualHost: "/" });
    await expectSilentDrop(c);
    expect(t.broker.connections.size).toBe(0);
    await expectWorking(t.url);
  });
});

describe("virtual hosts", () => {
  it("connection.open to a missing vhost is closed with 530 NOT_ALLOWED", async () => {
    const c = await RawClient.connect(t.port);
    await c.start();
    c.startOk();
    c.tuneOk(await c.expectMethod(0, MethodId.ConnectionTune), { heartbeat: 0 });
    c.send(0, { id: MethodId.ConnectionOpen, virtualHost: "missing" });
    const close = await expectConnectionClose(c, ReplyCode.NOT_ALLOWED);
    expect(close.replyText).toBe("NOT_ALLOWED - vhost missing not found");
    expect([close.classId, close.methodId]).toEqual([10, 40]);
    await expectWorking(t.url);
  });

  it("amqplib's connect to a missing vhost rejects", async () => {
    const err = await amqp.connect(`${t.url}/missing`).then(
      () => undefined,
      (e: Error) => e,
    );
    // amqplib words it without the code: "Expected ConnectionOpenOk; got <ConnectionClose channel:0>".
    expect(err?.message).toMatch(/ConnectionClose/);
    await expectWorking(t.url);
  });

  it("a vhost added later can be opened", async () => {
    t.broker.addVhost("later");
    await expectWorking(`${t.url}/later`);
  });
});

describe.concurrent("handshake timeout", () => {
  const s = useBroker({ handshakeTimeout: 300 });

  it("a socket that sends nothing is closed after handshakeTimeout", async () => {
    const c = await RawClient.connect(s.port);
    const t0 = Date.now();
    await c.waitClosed(2000);
    expect(c.closedAt - t0).toBeGreaterThanOrEqual(250);
    expect(c.closedAt - t0).toBeLessThan(1500);
    expect(c.raw.length).toBe(0);
  });

  it("a socket that sends only the protocol header is closed after handshakeTimeout", async () => {
    const c = await RawClient.connect(s.port);
    const t0 = Date.now();
    await c.start();
    await c.waitClosed(2000);
    expect(c.closedAt - t0).toBeGreaterThanOrEqual(250);
    expect(c.closedAt - t0).toBeLessThan(1500);
  });

  it("a socket that stops after tune-ok (no connection.open) is closed too", async () => {
    const c = await RawClient.connect(s.port);
    const t0 = Date.now();
    await c.start();
    c.startOk();
    c.tuneOk(await c.expectMethod(0, MethodId.ConnectionTune), { heartbeat: 0 });
    await c.waitClosed(2000);
    expect(c.closedAt - t0).toBeLessThan(1500);
  });

  it("an open connection is not affected by the handshake timer", async () => {
    const c = await RawClient.open(s.port, { heartbeat: 0 });
    await sleep(600);
    expect(c.closed).toBe(false);
    await c.openChannel(1);
    c.destroy();
    await expectWorking(s.url);
  });
});

describe.concurrent("heartbeats", () => {
  it("with heartbeat 1 the server sends heartbeats, and drops a client silent for about 2 intervals", async ({ expect }) => {
    const c = await RawClient.open(t.port, { heartbeat: 1 });
    // Keep ourselves alive for 2.5 s while counting the server's heartbeats.
    const t0 = Date.now();
    while (Date.now() - t0 < 2500) {
      c.write(rawFrame(FrameType.Heartbeat, 0, Buffer.alloc(0)));
      await sleep(250);
    }
    expect(c.closed).toBe(false);
    expect(c.frames.filter((f) => f.type === "heartbeat").length).toBeGreaterThanOrEqual(2);
    // Now silence.
    const silentFrom = Date.now();
    await c.waitClosed(4500);
    const after = c.closedAt - silentFrom;
    expect(after).toBeGreaterThanOrEqual(1000);
    expect(after).toBeLessThan(4000);
  });

  it("amqplib with heartbeat=1 stays connected for 3 s", async ({ expect }) => {
    const c = await amqp.connect(`${t.url}?heartbeat=1`);
    let closed: unknown = false;
    c.on("close", (e) => (closed = e ?? true));
    c.on("error", () => {});
    try {
      const ch = await channel(c);
      await sleep(3000);
      expect(closed).toBe(false);
      const { queue } = await ch.assertQueue("", { exclusive: true });
      expect(queue).toMatch(/^amq\.gen-/);
    } finally {
      await c.close().catch(() => {});
    }
  });

  it("with heartbeat 0 the server sends none and keeps a silent client", async ({ expect }) => {
    const c = await RawClient.open(t.port, { heartbeat: 0 });
    await sleep(1500);
    expect(c.closed).toBe(false);
    expect(c.frames.filter((f) => f.type === "heartbeat")).toEqual([]);
    c.destroy();
  });
});

/**
 * A tune-ok outside the server's limits. Measured against RabbitMQ 3.10.8 on this machine (cases
 * 9.10-9.16 of the conformance run): no connection.close is sent; the server stops reading and drops
 * the socket 3 s later, its log saying "negotiated frame_max = 1000 is lower than the minimum
 * allowed value (4096)". The broker does the same, after handshakeErrorDelay.
 */
describe("tune-ok outside the server's limits", () => {
  it.each([
    ["frame_max below 4096", { frameMax: 1000 }],
    ["frame_max above the server's", { frameMax: 131072 + 1 }],
    ["frame_max 0 (no limit) where the server has one", { frameMax: 0 }],
    ["channel_max above the server's", { channelMax: 4000 }],
    ["channel_max 0 (no limit) where the server has one", { channelMax: 0 }],
  ])("tune-ok with %s: no reply, the socket dropped after the delay", async (_, tuneOk) => {
    const c = await tunedTo(t.port, tuneOk);
    const t0 = Date.now();
    await c.waitClosed(HANDSHAKE_ERROR_DELAY + 1500);
    expect(c.closedAt - t0).toBeGreaterThanOrEqual(HANDSHAKE_ERROR_DELAY - 50);
    expect(c.frames.map((f) => (f.type === "method" ? f.method.id : f.type))).toEqual([MethodId.ConnectionStart, MethodId.ConnectionTune]);
    await expectWorking(t.url);
  });
});

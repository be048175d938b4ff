/**
 * The connection over a real socket: the handshake, protocol header, authentication, vhosts,
 * handshake timeout, heartbeats, frame errors, channel numbers and broker shutdown. Raw sockets say
 * what amqplib never would; after every error a fresh amqplib connection must still work.
 */
import { encodeFieldTable, FrameType, MethodId, PROTOCOL_HEADER, ReplyCode } from "@amqp-go/protocol";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Broker } from "../src/index.js";
import { channel, useBroker, withConnection } from "./helpers.js";
import { expectWorking, methodPayload, RawClient, rawFrame, sleep } from "./raw-client.js";

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

/** Header, start, start-ok, tune, then tune-ok with the given values (heartbeat 0). */
async function tunedTo(port: number, o: { frameMax?: number; channelMax?: number }): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.start();
  c.startOk();
  c.tuneOk(await c.expectMethod(0, MethodId.ConnectionTune), { heartbeat: 0, ...o });
  return c;
}

/** The connection.close that must come next, then the server lets go of the socket. */
async function expectConnectionClose(c: RawClient, replyCode: number, answerCloseOk = false) {
  const close = await c.nextClose();
  expect(close.replyCode, close.replyText).toBe(replyCode);
  if (answerCloseOk) c.send(0, { id: MethodId.ConnectionCloseOk });
  await c.waitClosed(1500);
  return close;
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

describe("tuning and frame errors", () => {
  it("a tune-ok below the server's limits is taken: with channel_max 1 a second channel is refused with 530", async () => {
    const c = await RawClient.open(t.port, { frameMax: 4096, channelMax: 1, heartbeat: 0 });
    await c.openChannel(1);
    c.send(2, { id: MethodId.ChannelOpen });
    await expectConnectionClose(c, ReplyCode.NOT_ALLOWED, true);
  });

  it("a connection method in the wrong state (tune-ok after open) is closed with 504, as RabbitMQ does", async () => {
    const c = await RawClient.open(t.port, { heartbeat: 0 });
    c.send(0, { id: MethodId.ConnectionTuneOk, channelMax: 10, frameMax: 4096, heartbeat: 0 });
    const close = await expectConnectionClose(c, ReplyCode.CHANNEL_ERROR, true);
    expect(close.replyText).toBe("CHANNEL_ERROR - unexpected method in connection state running");
    await expectWorking(t.url);
  });

  const queueDeclare = methodPayload({ id: MethodId.QueueDeclare, queue: "q", passive: false, durable: false, exclusive: false, autoDelete: false, noWait: false });

  it.each<[string, number, (c: RawClient) => void]>([
    ["a frame larger than the negotiated frame_max", ReplyCode.FRAME_ERROR, (c) => c.write(rawFrame(FrameType.Body, 1, Buffer.alloc(4096 + 100)))],
    ["a frame larger than frame_max, split over writes", ReplyCode.FRAME_ERROR, (c) => c.write(rawFrame(FrameType.Method, 1, Buffer.alloc(5000)).subarray(0, 7))],
    ["a bad frame-end octet", ReplyCode.FRAME_ERROR, (c) => c.write(rawFrame(FrameType.Method, 1, methodPayload({ id: MethodId.ChannelOpen }), 0xcd))],
    ["an unknown frame type", ReplyCode.FRAME_ERROR, (c) => c.write(rawFrame(9, 1, Buffer.from("hello")))],
    ["a body frame with no publish before it", ReplyCode.UNEXPECTED_FRAME, (c) => c.write(rawFrame(FrameType.Body, 1, Buffer.from("body")))],
    ["a content header with no publish before it", ReplyCode.UNEXPECTED_FRAME, (c) => {
      c.writer.rawHeader(1, 60, 4, Buffer.from([0, 0]));
      c.write(c.writer.take());
    }],
    ["a method frame with an unknown class id", ReplyCode.NOT_IMPLEMENTED, (c) => c.write(rawFrame(FrameType.Method, 1, Buffer.from([0x03, 0xe7, 0, 10])))],
    ["a method frame with an unknown method id", ReplyCode.NOT_IMPLEMENTED, (c) => c.write(rawFrame(FrameType.Method, 1, Buffer.from([0, 50, 0, 99])))],
    ["a method frame shorter than its ids", ReplyCode.FRAME_ERROR, (c) => c.write(rawFrame(FrameType.Method, 1, Buffer.from([0, 50])))],
    ["truncated method arguments", ReplyCode.FRAME_ERROR, (c) => c.write(rawFrame(FrameType.Method, 1, queueDeclare.subarray(0, queueDeclare.length - 3)))],
    ["method arguments with trailing garbage", ReplyCode.FRAME_ERROR, (c) => c.write(rawFrame(FrameType.Method, 1, Buffer.concat([queueDeclare, Buffer.from("xx")])))],
    ["a heartbeat on channel 1", ReplyCode.UNEXPECTED_FRAME, (c) => c.write(rawFrame(FrameType.Heartbeat, 1, Buffer.alloc(0)))],
    ["a heartbeat with a payload", ReplyCode.FRAME_ERROR, (c) => c.write(rawFrame(FrameType.Heartbeat, 0, Buffer.from("x")))],
    ["a method where the content header belongs", ReplyCode.UNEXPECTED_FRAME, (c) => {
      c.send(1, { id: MethodId.BasicPublish, exchange: "", routingKey: "q", mandatory: false, immediate: false });
      c.send(1, { id: MethodId.BasicQos, prefetchSize: 0, prefetchCount: 1, global: false });
    }],
    ["a body frame beyond the declared body size", ReplyCode.FRAME_ERROR, (c) => {
      c.send(1, { id: MethodId.BasicPublish, exchange: "", routingKey: "q", mandatory: false, immediate: false });
      c.writer.rawHeader(1, 60, 3, Buffer.from([0, 0]));
      c.write(c.writer.take());
      c.write(rawFrame(FrameType.Body, 1, Buffer.from("four")));
    }],
    ["a content header on channel 0", ReplyCode.UNEXPECTED_FRAME, (c) => {
      c.writer.rawHeader(0, 60, 0, Buffer.from([0, 0]));
      c.write(c.writer.take());
    }],
  ])("%s: connection.close %i", async (_, code, misbehave) => {
    const c = await RawClient.open(t.port, { frameMax: 4096, heartbeat: 0 });
    await c.openChannel(1);
    misbehave(c);
    await expectConnectionClose(c, code);
    await expectWorking(t.url);
  });

  it("a frame of exactly frame_max octets is accepted", async () => {
    const c = await RawClient.open(t.port, { frameMax: 4096, heartbeat: 0 });
    await c.openChannel(1);
    c.send(1, { id: MethodId.QueueDeclare, queue: "frame-max", passive: false, durable: false, exclusive: true, autoDelete: false, noWait: false });
    await c.expectMethod(1, MethodId.QueueDeclareOk);
    const body = Buffer.alloc(4096 - 8, 7);
    c.publish(1, "", "frame-max", body);
    c.send(1, { id: MethodId.BasicGet, queue: "frame-max", noAck: true });
    await c.expectMethod(1, MethodId.BasicGetOk);
    const header = await c.next();
    expect(header).toMatchObject({ type: "header", bodySize: body.length });
    const got = await c.next();
    expect(got.type === "body" && got.body.equals(body)).toBe(true);
    c.destroy();
  });
});

describe("channels", () => {
  it("channel.open twice on the same channel closes the connection with 504", async () => {
    const c = await RawClient.open(t.port, { heartbeat: 0 });
    await c.openChannel(1);
    c.send(1, { id: MethodId.ChannelOpen });
    const close = await expectConnectionClose(c, ReplyCode.CHANNEL_ERROR, true);
    expect(close.replyText).toMatch(/^CHANNEL_ERROR - /);
    await expectWorking(t.url);
  });

  it("a method on a channel never opened closes the connection with 504", async () => {
    const c = await RawClient.open(t.port, { heartbeat: 0 });
    c.send(5, { id: MethodId.QueueDeclare, queue: "", passive: false, durable: false, exclusive: true, autoDelete: false, noWait: false });
    await expectConnectionClose(c, ReplyCode.CHANNEL_ERROR, true);
    await expectWorking(t.url);
  });

  it("a method on a channel already closed closes the connection with 504", async () => {
    const c = await RawClient.open(t.port, { heartbeat: 0 });
    await c.openChannel(1);
    c.send(1, { id: MethodId.ChannelClose, replyCode: 200, replyText: "", classId: 0, methodId: 0 });
    await c.expectMethod(1, MethodId.ChannelCloseOk);
    c.send(1, { id: MethodId.BasicQos, prefetchSize: 0, prefetchCount: 1, global: false });
    await expectConnectionClose(c, ReplyCode.CHANNEL_ERROR, true);
    await expectWorking(t.url);
  });

  it("opening more channels than the negotiated channel_max closes the connection with 530", async () => {
    const c = await RawClient.open(t.port, { channelMax: 2, heartbeat: 0 });
    await c.openChannel(1);
    await c.openChannel(2);
    c.send(3, { id: MethodId.ChannelOpen });
    const close = await expectConnectionClose(c, ReplyCode.NOT_ALLOWED, true);
    expect(close.replyText).toBe("NOT_ALLOWED - number of channels opened (2) has reached the negotiated channel_max (2)");
    await expectWorking(t.url);
  });

  it("channel_max counts open channels, as RabbitMQ does: a closed channel makes room", async () => {
    const c = await RawClient.open(t.port, { channelMax: 2, heartbeat: 0 });
    await c.openChannel(1);
    await c.openChannel(2);
    c.send(1, { id: MethodId.ChannelClose, replyCode: 200, replyText: "", classId: 0, methodId: 0 });
    await c.expectMethod(1, MethodId.ChannelCloseOk);
    await c.openChannel(7);
    c.send(1, { id: MethodId.ChannelOpen });
    await expectConnectionClose(c, ReplyCode.NOT_ALLOWED, true);
  });

  it("amqplib with channelMax=2 gets 2 channels", async () => {
    await withConnection(`${t.url}?channelMax=2`, async (conn) => {
      const a = await channel(conn);
      const b = await channel(conn);
      await a.assertQueue("", { exclusive: true });
      await b.assertQueue("", { exclusive: true });
      await expect(conn.createChannel()).rejects.toThrow(/No channels left/);
    });
  });

  it("a channel error closes only its channel; the connection goes on", async () => {
    await withConnection(t.url, async (conn) => {
      const ch = await channel(conn);
      await expect(ch.checkQueue("no-such-queue")).rejects.toMatchObject({ code: 404 });
      const other = await channel(conn);
      await other.assertQueue("", { exclusive: true });
    });
  });
});

describe("broker.close()", () => {
  async function startBroker() {
    const b = new Broker({ heartbeat: 0 });
    const { port } = await b.listen({ port: 0, host: "127.0.0.1" });
    return { b, port, url: `amqp://guest:guest@127.0.0.1:${port}` };
  }

  it("closes every amqplib client with 320 CONNECTION_FORCED and resolves", async () => {
    const { b, url } = await startBroker();
    const clients = await Promise.all([1, 2, 3].map(() => amqp.connect(url)));
    const closes = clients.map(
      (c) =>
        new Promise<Error & { code?: number }>((resolve) => {
          c.on("error", () => {});
          c.on("close", (e: Error & { code?: number }) => resolve(e));
        }),
    );
    for (const c of clients) await (await c.createChannel()).assertQueue("", { exclusive: true });
    const t0 = Date.now();
    await b.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    const errors = await Promise.all(closes);
    for (const e of errors) {
      expect(e.code).toBe(ReplyCode.CONNECTION_FORCED);
      expect(e.message).toMatch(/CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'/);
    }
    expect(b.connections.size).toBe(0);
    await expect(amqp.connect(url)).rejects.toThrow();
  });

  it("cuts sockets still in the handshake, and clients that never answer close-ok", async () => {
    const { b, port } = await startBroker();
    const handshaking = await RawClient.connect(port);
    await handshaking.start();
    const silent = await RawClient.open(port, { heartbeat: 0 });
    const t0 = Date.now();
    await b.close();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await silent.nextClose()).replyCode).toBe(ReplyCode.CONNECTION_FORCED);
    await handshaking.waitClosed(500);
    await silent.waitClosed(500);
  });
});

describe("close-ok timeout", () => {
  it("a client that never answers the server's connection.close is cut off", async () => {
    const c = await RawClient.open(t.port, { heartbeat: 0 });
    c.send(9, { id: MethodId.BasicQos, prefetchSize: 0, prefetchCount: 1, global: false });
    await c.nextClose();
    const t0 = Date.now();
    const seen = c.frames.length;
    // While the server waits for close-ok it discards everything else.
    c.send(2, { id: MethodId.ChannelOpen });
    await c.waitClosed(3000);
    expect(c.closedAt - t0).toBeLessThan(2500);
    expect(c.frames.length).toBe(seen);
    await expectWorking(t.url);
  });
});

describe("letting go of the socket", () => {
  const s = useBroker({ handshakeTimeout: 300 });

  /**
   * Ending only our half (a FIN) is not enough: a client that keeps its half open would hold the
   * server's socket, and everything it sends would be read and dropped, for as long as it likes.
   * RabbitMQ closes the socket outright (rabbit_net:fast_close).
   */
  it.concurrent.for<[string, (c: RawClient) => Promise<void>]>([
    ["a wrong protocol header", async (c) => c.write("HTTP/1.1")],
    [
      "a refused login",
      async (c) => {
        await c.start();
        c.startOk({ password: "wrong" });
      },
    ],
    [
      "a frame error",
      async (c) => {
        await c.handshake({ heartbeat: 0 });
        c.write(rawFrame(9, 0, Buffer.alloc(0)));
      },
    ],
    [
      "the close handshake",
      async (c) => {
        await c.handshake({ heartbeat: 0 });
        c.send(0, { id: MethodId.ConnectionClose, replyCode: 200, replyText: "", classId: 0, methodId: 0 });
      },
    ],
  ])("after %s the server closes its socket, not only its sending half", async ([_, misbehave], { expect }) => {
    const c = await RawClient.connect(s.port, { allowHalfOpen: true });
    await misbehave(c);
    await c.waitEnded();
    // Past the handshake timeout; then anything we send must meet a closed socket (RST).
    await sleep(500);
    for (let i = 0; i < 5 && c.error === undefined && !c.closed; i++) {
      c.write(Buffer.alloc(64));
      await sleep(50);
    }
    const gone = c.error !== undefined || c.closed;
    c.destroy();
    expect(gone, "the server still holds a half-closed socket and reads from it").toBe(true);
  });

  /**
   * After connection.close / close-ok the connection's exclusive queues go, whatever the client
   * does with its socket (else: 405 RESOURCE_LOCKED for everyone else), as RabbitMQ does.
   */
  it("a connection closed by the close handshake gives up its exclusive queues even if the client keeps its half open", async () => {
    const c = await RawClient.connect(s.port, { allowHalfOpen: true });
    await c.handshake({ heartbeat: 0 });
    await c.openChannel(1);
    c.send(1, { id: MethodId.QueueDeclare, queue: "held-exclusive", passive: false, durable: false, exclusive: true, autoDelete: false, noWait: false });
    await c.expectMethod(1, MethodId.QueueDeclareOk);
    c.send(0, { id: MethodId.ConnectionClose, replyCode: 200, replyText: "", classId: 0, methodId: 0 });
    await c.expectMethod(0, MethodId.ConnectionCloseOk);
    await c.waitEnded();
    await sleep(500);
    const connections = s.broker.connections.size;
    const declared = await withConnection(s.url, async (conn) => {
      const ch = await channel(conn);
      return ch.assertQueue("held-exclusive", { exclusive: true }).then(
        () => "declared",
        (e: Error & { code?: number }) => `refused with ${e.code}`,
      );
    });
    c.destroy();
    expect({ declared, connections }).toEqual({ declared: "declared", connections: 0 });
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

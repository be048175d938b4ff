/**
 * How a connection ends: broker.close(), a client that never answers connection.close, and the
 * socket let go (exclusive queues with it) whatever the client does with its half.
 */
import { MethodId, ReplyCode } from "@amqp-go/protocol";
import amqp from "amqplib";
import { describe, expect, it } from "vitest";
import { Broker } from "../src/index.js";
import { channel, useBroker, withConnection } from "./helpers.js";
import { expectWorking, RawClient, rawFrame, sleep } from "./raw-client.js";

const t = useBroker();

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

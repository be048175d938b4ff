/**
 * Channels over a real connection: tune-ok limits, frame errors, channel numbers and channel_max.
 * Raw sockets say what amqplib never would; after every error a fresh amqplib connection must still work.
 */
import { FrameType, MethodId, ReplyCode } from "@amqp-go/protocol";
import { describe, expect, it } from "vitest";
import { channel, useBroker, withConnection } from "./helpers.js";
import { expectConnectionClose, expectWorking, methodPayload, RawClient, rawFrame } from "./raw-client.js";

const t = useBroker();

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


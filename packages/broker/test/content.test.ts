import { encodeBasicProperties, MethodId, typed } from "@amqp-go/protocol";
import { describe, expect, it } from "vitest";
import { useBroker } from "./helpers.js";
import { RawClient } from "./raw-client.js";

const t = useBroker({ maxMessageSize: 100_000 });

const ALL_14 = {
  contentType: "application/json",
  contentEncoding: "gzip",
  headers: { a: 1, b: "two", c: [true, null], d: { e: typed("u", 7) }, t: new Date(1_700_000_000_000) },
  deliveryMode: 2,
  priority: 9,
  correlationId: "corr-1",
  replyTo: "rpc.replies", // not amq.rabbitmq.reply-to: that one needs a reply consumer (direct reply-to)
  expiration: "60000",
  messageId: "id-1",
  timestamp: 1_700_000_000,
  type: "order.created",
  userId: "guest",
  appId: "tests",
  reserved: "",
};

describe("content", () => {
  it("passes all 14 properties on byte for byte, as the publisher encoded them", async () => {
    const c = await RawClient.open(t.port);
    await c.openChannel(1);
    c.send(1, { id: MethodId.QueueDeclare, queue: "", passive: false, durable: false, exclusive: true, autoDelete: false, noWait: false, arguments: {} });
    const { queue } = await c.expectMethod(1, MethodId.QueueDeclareOk);
    const props = Buffer.alloc(8192);
    const n = encodeBasicProperties(props, 0, ALL_14);
    const raw = props.subarray(0, n);
    const body = Buffer.from("{}");
    // A publish written by hand: method, header with the raw properties, body.
    c.send(1, { id: MethodId.BasicPublish, exchange: "", routingKey: queue, mandatory: false, immediate: false });
    c.writer.rawHeader(1, 60, body.length, raw);
    c.writer.body(1, body);
    c.write(c.writer.take());
    c.send(1, { id: MethodId.BasicGet, queue, noAck: true });
    await c.expectMethod(1, MethodId.BasicGetOk);
    const header = await c.next();
    expect(header.type).toBe("header");
    if (header.type !== "header") return;
    expect(header.bodySize).toBe(2);
    expect(header.properties.equals(raw)).toBe(true);
    const got = await c.next();
    expect(got.type === "body" && got.body.toString()).toBe("{}");
    c.destroy();
  });

  it("refuses a message above the configured max size with 406, on the publish's channel only", async () => {
    const c = await RawClient.open(t.port);
    await c.openChannel(1);
    c.publish(1, "amq.direct", "k", Buffer.alloc(100_001));
    const close = await c.expectMethod(1, MethodId.ChannelClose);
    expect(close).toEqual({
      id: MethodId.ChannelClose,
      replyCode: 406,
      replyText: "PRECONDITION_FAILED - message size 100001 is larger than configured max size 100000",
      classId: 60,
      methodId: 40,
    });
    c.send(1, { id: MethodId.ChannelCloseOk });
    await c.openChannel(1);
    c.publish(1, "amq.direct", "k", Buffer.alloc(100_000));
    c.send(1, { id: MethodId.BasicQos, prefetchSize: 0, prefetchCount: 1, global: false });
    await c.expectMethod(1, MethodId.BasicQosOk);
    c.destroy();
  });
});

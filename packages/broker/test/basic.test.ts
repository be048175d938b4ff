import { describe, expect, it } from "vitest";
import { channel, useBroker, withConnection } from "./helpers.js";

const t = useBroker();

describe("basic publish and consume", () => {
  it("delivers what was published, properties and body intact", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("", { exclusive: true });
      const got = new Promise<{ body: string; props: Record<string, unknown>; fields: Record<string, unknown> }>((resolve) => {
        void ch.consume(queue, (m) => {
          if (m === null) return;
          ch.ack(m);
          resolve({ body: m.content.toString(), props: m.properties as never, fields: m.fields as never });
        });
      });
      ch.sendToQueue(queue, Buffer.from("hello"), { contentType: "text/plain", headers: { a: 1 }, messageId: "m1", persistent: true });
      const m = await got;
      expect(m.body).toBe("hello");
      expect(m.props).toMatchObject({ contentType: "text/plain", headers: { a: 1 }, messageId: "m1", deliveryMode: 2 });
      expect(m.fields).toMatchObject({ deliveryTag: 1, redelivered: false, exchange: "", routingKey: queue });
    });
  });
});

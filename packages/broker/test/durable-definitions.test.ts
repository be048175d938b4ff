import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { describe, expect, it } from "vitest";
import { Broker } from "../src/index.js";

async function start(dataDir: string) {
  const broker = new Broker({ heartbeat: 0, dataDir });
  const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
  return { broker, url: `amqp://guest:guest@127.0.0.1:${port}` };
}

describe("durable exchanges, queues and bindings", () => {
  it("survive a restart; transient and exclusive ones do not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-go-durable-"));
    const a = await start(dir);
    let serverNamed = "";
    {
      const c = await amqp.connect(a.url);
      const ch = await c.createChannel();
      await ch.assertExchange("d.topic", "topic", { durable: true, arguments: { "alternate-exchange": "amq.fanout" } });
      await ch.assertExchange("t.topic", "topic", { durable: false });
      await ch.assertQueue("d.q", { durable: true, arguments: { "x-max-length": 10 } });
      await ch.assertQueue("t.q", { durable: false });
      await ch.assertQueue("e.q", { durable: true, exclusive: true });
      await ch.assertQueue("gone", { durable: true });
      serverNamed = (await ch.assertQueue("", { durable: true })).queue;
      await ch.bindQueue("d.q", "d.topic", "a.#");
      await ch.bindQueue("d.q", "amq.direct", "k");
      await ch.bindQueue("t.q", "d.topic", "t.#");
      await ch.bindExchange("d.topic", "amq.topic", "a.*");
      await ch.deleteQueue("gone");
      await c.close();
    }
    await a.broker.close();
    expect(JSON.parse(readFileSync(join(dir, "metadata", "definitions.json"), "utf8")).queues.map((q: { name: string }) => q.name).sort()).toEqual(
      ["d.q", serverNamed].sort(),
    );

    const b = await start(dir);
    try {
      const v = b.broker.vhosts.get("/")!;
      expect([...v.queues.keys()].sort()).toEqual(["d.q", serverNamed].sort());
      expect(v.exchanges.get("d.topic")?.options.arguments).toEqual({ "alternate-exchange": "amq.fanout" });
      expect(v.exchanges.has("t.topic")).toBe(false);
      expect(v.queues.get("d.q")?.options.arguments).toEqual({ "x-max-length": 10 });
      const c = await amqp.connect(b.url);
      const ch = await c.createChannel();
      ch.publish("d.topic", "a.b", Buffer.from("1"));
      ch.publish("amq.direct", "k", Buffer.from("2"));
      ch.publish("amq.topic", "a.z", Buffer.from("3")); // through the exchange-to-exchange binding
      ch.publish("d.topic", "t.x", Buffer.from("lost")); // t.q was transient: its binding went too
      expect((await ch.checkQueue("d.q")).messageCount).toBe(3); // answered after the publishes before it
      await c.close();
    } finally {
      await b.broker.close();
    }
  });
});

import { describe, expect, it } from "vitest";
import { channel, rejectsWith, until, useBroker, withConnection } from "./helpers.js";

const t = useBroker();

/** Declares an exclusive queue bound as given, publishes, and returns what each queue received. */
async function collect(ch: Awaited<ReturnType<typeof channel>>, queues: string[]): Promise<Map<string, string[]>> {
  const got = new Map<string, string[]>();
  for (const q of queues) {
    got.set(q, []);
    await ch.consume(q, (m) => m && got.get(q)!.push(m.content.toString()), { noAck: true });
  }
  return got;
}

describe("exchanges route as RabbitMQ's do", () => {
  it("direct, fanout, topic and headers", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertExchange("x.direct", "direct", { autoDelete: true });
      await ch.assertExchange("x.fanout", "fanout", { autoDelete: true });
      await ch.assertExchange("x.topic", "topic", { autoDelete: true });
      await ch.assertExchange("x.headers", "headers", { autoDelete: true });
      const q = async (name: string) => (await ch.assertQueue(name, { exclusive: true })).queue;
      const [d1, d2, f1, f2, t1, t2, h1, h2] = await Promise.all(["d1", "d2", "f1", "f2", "t1", "t2", "h1", "h2"].map(q));
      await ch.bindQueue(d1!, "x.direct", "a");
      await ch.bindQueue(d2!, "x.direct", "b");
      await ch.bindQueue(f1!, "x.fanout", "ignored");
      await ch.bindQueue(f2!, "x.fanout", "");
      await ch.bindQueue(t1!, "x.topic", "stock.*.nyse");
      await ch.bindQueue(t2!, "x.topic", "stock.#");
      await ch.bindQueue(h1!, "x.headers", "", { "x-match": "all", kind: "order", region: "eu" });
      await ch.bindQueue(h2!, "x.headers", "", { "x-match": "any", kind: "order", region: "us" });
      const got = await collect(ch, ["d1", "d2", "f1", "f2", "t1", "t2", "h1", "h2"]);
      ch.publish("x.direct", "a", Buffer.from("direct-a"));
      ch.publish("x.direct", "c", Buffer.from("direct-c"));
      ch.publish("x.fanout", "whatever", Buffer.from("fan"));
      ch.publish("x.topic", "stock.ibm.nyse", Buffer.from("ibm"));
      ch.publish("x.topic", "stock.ibm.lse.x", Buffer.from("deep"));
      ch.publish("x.topic", "bond.x.nyse", Buffer.from("bond"));
      ch.publish("x.headers", "", Buffer.from("eu-order"), { headers: { kind: "order", region: "eu" } });
      ch.publish("x.headers", "", Buffer.from("us-invoice"), { headers: { kind: "invoice", region: "us" } });
      await ch.checkQueue("d1"); // answered after the deliveries of the publishes before it
      expect(Object.fromEntries(got)).toEqual({
        d1: ["direct-a"],
        d2: [],
        f1: ["fan"],
        f2: ["fan"],
        t1: ["ibm"],
        t2: ["ibm", "deep"],
        h1: ["eu-order"],
        h2: ["eu-order", "us-invoice"],
      });
    });
  });

  it("the default exchange routes by queue name; amq.* exchanges are predeclared", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      for (const [name, type] of [["amq.direct", "direct"], ["amq.fanout", "fanout"], ["amq.topic", "topic"], ["amq.headers", "headers"], ["amq.match", "headers"]]) {
        await ch.checkExchange(name!);
        void type;
      }
      const { queue } = await ch.assertQueue("by-name", { exclusive: true });
      const got = await collect(ch, [queue]);
      ch.publish("", "by-name", Buffer.from("1"));
      ch.publish("amq.direct", "by-name", Buffer.from("2")); // not bound
      await ch.checkQueue(queue); // answered after the deliveries of the publishes before it
      expect(got.get(queue)).toEqual(["1"]);
    });
  });

  it("exchange-to-exchange bindings, each queue reached once", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertExchange("e2e.src", "topic", { autoDelete: true });
      await ch.assertExchange("e2e.dst", "fanout", { autoDelete: true });
      await ch.bindExchange("e2e.dst", "e2e.src", "a.#");
      await ch.bindExchange("e2e.src", "e2e.dst", ""); // a cycle must not loop
      const { queue } = await ch.assertQueue("e2e.q", { exclusive: true });
      await ch.bindQueue(queue, "e2e.dst", "");
      await ch.bindQueue(queue, "e2e.src", "a.b");
      const got = await collect(ch, [queue]);
      ch.publish("e2e.src", "a.b", Buffer.from("twice-bound"));
      ch.publish("e2e.src", "z", Buffer.from("unrouted"));
      await ch.checkQueue(queue);
      expect(got.get(queue)).toEqual(["twice-bound"]);
      await ch.unbindExchange("e2e.dst", "e2e.src", "a.#");
      ch.publish("e2e.src", "a.c", Buffer.from("after-unbind"));
      await ch.checkQueue(queue);
      expect(got.get(queue)).toEqual(["twice-bound"]);
    });
  });

  it("the alternate exchange takes what the exchange cannot route", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertExchange("ae.fallback", "fanout", { autoDelete: false });
      await ch.assertExchange("ae.main", "direct", { alternateExchange: "ae.fallback", autoDelete: false });
      const { queue: main } = await ch.assertQueue("ae.main.q", { exclusive: true });
      const { queue: fallback } = await ch.assertQueue("ae.fallback.q", { exclusive: true });
      await ch.bindQueue(main, "ae.main", "k");
      await ch.bindQueue(fallback, "ae.fallback", "");
      const got = await collect(ch, [main, fallback]);
      ch.publish("ae.main", "k", Buffer.from("routed"));
      ch.publish("ae.main", "other", Buffer.from("alternate"));
      await ch.checkQueue(main);
      expect(got.get(main)).toEqual(["routed"]);
      expect(got.get(fallback)).toEqual(["alternate"]);
      await ch.deleteExchange("ae.main");
      await ch.deleteExchange("ae.fallback");
    });
  });

  it("an internal exchange takes no publishes (403) but routes from bound exchanges", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertExchange("int.x", "fanout", { internal: true, autoDelete: true });
      await ch.assertExchange("int.front", "fanout", { autoDelete: true });
      await ch.bindExchange("int.x", "int.front", "");
      const { queue } = await ch.assertQueue("int.q", { exclusive: true });
      await ch.bindQueue(queue, "int.x", "");
      const got = await collect(ch, [queue]);
      ch.publish("int.front", "", Buffer.from("via-front"));
      await ch.checkQueue(queue);
      expect(got.get(queue)).toEqual(["via-front"]);
      const bad = await channel(c);
      bad.publish("int.x", "", Buffer.from("direct"));
      await until(() => bad.closedWith !== undefined);
      expect(bad.closedWith?.code).toBe(403);
    });
  });

  it("an auto-delete exchange goes with its last binding", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertExchange("ad.x", "direct", { autoDelete: true });
      const { queue } = await ch.assertQueue("ad.q", { exclusive: true });
      await ch.bindQueue(queue, "ad.x", "k");
      await ch.checkExchange("ad.x");
      await ch.unbindQueue(queue, "ad.x", "k");
      await rejectsWith(ch.checkExchange("ad.x"), 404);
    });
  });

  it("mandatory publishes nobody takes come back with 312 NO_ROUTE", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const returned = new Promise<{ replyCode: number; replyText: string; routingKey: string; body: string; headers: unknown }>((resolve) =>
        ch.on("return", (m) => resolve({ ...(m.fields as object as { replyCode: number; replyText: string; routingKey: string }), body: m.content.toString(), headers: m.properties.headers })),
      );
      ch.publish("amq.direct", "nobody", Buffer.from("lost"), { mandatory: true, headers: { h: "v" } });
      expect(await returned).toMatchObject({ replyCode: 312, replyText: "NO_ROUTE", routingKey: "nobody", body: "lost", headers: { h: "v" } });
    });
  });
});

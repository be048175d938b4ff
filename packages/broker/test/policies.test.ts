/**
 * Policies (RabbitMQ 3.10's rules, checked against RabbitMQ 3.10.8): applied live to existing and
 * new queues, the highest priority wins, client arguments win or lose per key as RabbitMQ's queue
 * process resolves them, clearing restores the queue's own arguments, and they survive a restart.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Broker, PolicyError } from "../src/index.js";
import { type Channel, useBroker, withConnection } from "./helpers.js";

const t = useBroker();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function queueOf(name: string) {
  return t.broker.vhosts.get("/")!.queues.get(name)!;
}

async function getBody(ch: Channel, q: string, timeoutMs = 2000): Promise<{ body: string; headers: Record<string, unknown> } | false> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = await ch.get(q, { noAck: true });
    if (m !== false) return { body: m.content.toString(), headers: m.properties.headers ?? {} };
    if (Date.now() > until) return false;
    await sleep(10);
  }
}

describe("policies", () => {
  it("a policy sets TTL and a dead-letter exchange on an existing queue: messages expire into the DLQ", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await c.createChannel();
      await ch.assertExchange("pol1.dlx", "fanout", { durable: false });
      await ch.assertQueue("pol1.dlq", { durable: false });
      await ch.bindQueue("pol1.dlq", "pol1.dlx", "");
      await ch.assertQueue("pol1.work", { durable: false });
      expect(t.broker.setPolicy("/", "pol1", { pattern: "^pol1\\.work$", definition: { "message-ttl": 30, "dead-letter-exchange": "pol1.dlx" }, applyTo: "queues" })).toBe(true);
      expect(queueOf("pol1.work").policy?.name).toBe("pol1");
      expect(queueOf("pol1.dlq").policy).toBeNull();
      ch.sendToQueue("pol1.work", Buffer.from("late"));
      const m = await getBody(ch, "pol1.dlq");
      expect(m && m.body).toBe("late");
      const death = (m as { headers: Record<string, unknown> }).headers["x-death"] as { reason: string; queue: string }[];
      expect(death[0]).toMatchObject({ reason: "expired", queue: "pol1.work" });
      expect((await ch.checkQueue("pol1.work")).messageCount).toBe(0);
      t.broker.clearPolicy("/", "pol1");
    });
  });

  it("clearing the policy restores the queue's own arguments", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await c.createChannel();
      await ch.assertQueue("pol2", { durable: false, arguments: { "x-message-ttl": 60_000, "x-max-length": 100 } });
      t.broker.setPolicy("/", "pol2", { pattern: "^pol2$", definition: { "message-ttl": 20, "max-length": 3, "dead-letter-exchange": "nowhere" } });
      expect(queueOf("pol2").args).toMatchObject({ messageTtl: 20, maxLength: 3, deadLetterExchange: "nowhere" });
      expect(t.broker.clearPolicy("/", "pol2")).toBe(true);
      expect(t.broker.clearPolicy("/", "pol2")).toBe(false);
      const q = queueOf("pol2");
      expect(q.policy).toBeNull();
      expect(q.args).toMatchObject({ messageTtl: 60_000, maxLength: 100, deadLetterExchange: null });
      for (let i = 0; i < 5; i++) ch.sendToQueue("pol2", Buffer.from(String(i)));
      await sleep(80);
      expect((await ch.checkQueue("pol2")).messageCount).toBe(5); // neither expired nor cut to 3
    });
  });

  it("client arguments against the policy: the lower limit wins; the queue's own DLX, routing key and overflow win", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await c.createChannel();
      await ch.assertQueue("pol3.own", {
        durable: false,
        arguments: { "x-message-ttl": 5000, "x-max-length": 10, "x-max-length-bytes": 100, "x-expires": 600_000, "x-dead-letter-exchange": "own", "x-overflow": "reject-publish" },
      });
      await ch.assertQueue("pol3.low", { durable: false, arguments: { "x-message-ttl": 100, "x-max-length": 1, "x-max-length-bytes": 5, "x-expires": 300_000 } });
      await ch.assertQueue("pol3.none", { durable: false });
      t.broker.setPolicy("/", "pol3", {
        pattern: "^pol3\\.",
        definition: {
          "message-ttl": 1000,
          "max-length": 5,
          "max-length-bytes": 50,
          expires: 500_000,
          "dead-letter-exchange": "pol",
          "dead-letter-routing-key": "rk",
          overflow: "drop-head",
        },
      });
      expect(queueOf("pol3.own").args).toMatchObject({
        messageTtl: 1000,
        maxLength: 5,
        maxLengthBytes: 50,
        expires: 500_000,
        deadLetterExchange: "own",
        deadLetterRoutingKey: "rk", // the queue has none: the policy's
        overflow: "reject-publish",
      });
      expect(queueOf("pol3.low").args).toMatchObject({ messageTtl: 100, maxLength: 1, maxLengthBytes: 5, expires: 300_000, deadLetterExchange: "pol", overflow: "drop-head" });
      expect(queueOf("pol3.none").args).toMatchObject({ messageTtl: 1000, maxLength: 5, maxLengthBytes: 50, expires: 500_000, deadLetterExchange: "pol", deadLetterRoutingKey: "rk" });
      // reject-publish from the queue's own argument, at the policy's lower max-length
      await ch.close();
      const cc = await c.createConfirmChannel();
      for (let i = 0; i < 5; i++) cc.sendToQueue("pol3.own", Buffer.from("x"));
      await cc.waitForConfirms();
      const nacked = await new Promise<boolean>((resolve) => cc.sendToQueue("pol3.own", Buffer.from("x"), {}, (err) => resolve(err !== null && err !== undefined)));
      expect(nacked).toBe(true);
      expect((await cc.checkQueue("pol3.own")).messageCount).toBe(5);
      t.broker.clearPolicy("/", "pol3");
    });
  });

  it("length limits apply at once; the dropped head is dead-lettered through the policy's exchange", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await c.createChannel();
      await ch.assertExchange("pol4.dlx", "fanout", { durable: false });
      await ch.assertQueue("pol4.dlq", { durable: false });
      await ch.bindQueue("pol4.dlq", "pol4.dlx", "");
      await ch.assertQueue("pol4", { durable: false });
      for (let i = 0; i < 6; i++) ch.sendToQueue("pol4", Buffer.from(String(i)));
      expect((await ch.checkQueue("pol4")).messageCount).toBe(6);
      t.broker.setPolicy("/", "pol4", { pattern: "^pol4$", definition: { "max-length": 2, "dead-letter-exchange": "pol4.dlx" } });
      expect((await ch.checkQueue("pol4")).messageCount).toBe(2);
      expect((await ch.checkQueue("pol4.dlq")).messageCount).toBe(4);
      expect(await getBody(ch, "pol4")).toMatchObject({ body: "4" });
      t.broker.clearPolicy("/", "pol4");
    });
  });

  it("messages already in the queue keep their deadline; new ones get the policy's TTL (expiry at the head)", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await c.createChannel();
      await ch.assertQueue("pol5.a", { durable: false });
      await ch.assertQueue("pol5.b", { durable: false });
      ch.sendToQueue("pol5.a", Buffer.from("old"));
      await ch.checkQueue("pol5.a");
      t.broker.setPolicy("/", "pol5", { pattern: "^pol5\\.", definition: { "message-ttl": 20 } });
      ch.sendToQueue("pol5.b", Buffer.from("new"));
      await sleep(80);
      expect((await ch.checkQueue("pol5.a")).messageCount).toBe(1);
      expect((await ch.checkQueue("pol5.b")).messageCount).toBe(0);
      t.broker.clearPolicy("/", "pol5");
    });
  });

  // Equal priorities: RabbitMQ 3.10 takes the first in its table's hash order (observed against
  // 3.10.8: q,k,e -> k; a1,b2,z9,m5 -> z9; whatever the creation order); ours, the first by name.
  it("the highest priority applies; equal priorities go by name; apply-to exchanges leaves queues alone; new queues get it", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await c.createChannel();
      await ch.assertQueue("pol6", { durable: false });
      t.broker.setPolicy("/", "pol6-b", { pattern: "^pol6", definition: { "max-length": 2 }, priority: 1 });
      t.broker.setPolicy("/", "pol6-a", { pattern: "^pol6", definition: { "max-length": 3 }, priority: 1 });
      expect(queueOf("pol6").policy?.name).toBe("pol6-a");
      t.broker.setPolicy("/", "pol6-c", { pattern: "^pol6", definition: { "max-length": 4 }, priority: 5 });
      expect(queueOf("pol6").args.maxLength).toBe(4);
      t.broker.setPolicy("/", "pol6-x", { pattern: "^pol6", definition: { "max-length": 9 }, priority: 10, applyTo: "exchanges" });
      expect(queueOf("pol6").policy?.name).toBe("pol6-c");
      await ch.assertQueue("pol6.new", { durable: false });
      expect(queueOf("pol6.new").policy?.name).toBe("pol6-c");
      expect(queueOf("pol6.new").args.maxLength).toBe(4);
      t.broker.clearPolicy("/", "pol6-c");
      expect(queueOf("pol6").policy?.name).toBe("pol6-a");
      expect(queueOf("pol6.new").args.maxLength).toBe(3);
      expect(t.broker.policies("/").map((p) => p.name)).toEqual(["pol6-a", "pol6-b", "pol6-x"]);
      for (const n of ["pol6-a", "pol6-b", "pol6-x"]) t.broker.clearPolicy("/", n);
      expect(queueOf("pol6").policy).toBeNull();
    });
  });

  it("expires from a policy deletes an unused queue", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await c.createChannel();
      await ch.assertQueue("pol7", { durable: false });
      t.broker.setPolicy("/", "pol7", { pattern: "^pol7$", definition: { expires: 30 } });
      await sleep(120);
      expect(t.broker.vhosts.get("/")!.queues.has("pol7")).toBe(false);
      t.broker.clearPolicy("/", "pol7");
    });
  });

  it("operator policies: limits only, applied besides the policy, the lowest value wins (RabbitMQ's merge)", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await c.createChannel();
      await ch.assertQueue("pol8", { durable: false, arguments: { "x-max-length": 10 } });
      t.broker.setPolicy("/", "pol8", { pattern: "^pol8$", definition: { "max-length": 5, "message-ttl": 2000, "dead-letter-exchange": "d" } });
      expect(t.broker.setOperatorPolicy("/", "pol8-op", { pattern: "^pol8", definition: { "max-length": 2, "message-ttl": 9000, expires: 60_000 } })).toBe(true);
      const q = queueOf("pol8");
      expect({ policy: q.policy?.name, op: q.operatorPolicy?.name }).toEqual({ policy: "pol8", op: "pol8-op" });
      expect(q.policyDefinition).toEqual({ "dead-letter-exchange": "d", expires: 60_000, "max-length": 2, "message-ttl": 2000 });
      expect(q.args).toMatchObject({ maxLength: 2, messageTtl: 2000, expires: 60_000, deadLetterExchange: "d" });
      expect(t.broker.policies("/", true).map((p) => p.name)).toEqual(["pol8-op"]);
      expect(() => t.broker.setOperatorPolicy("/", "pol8-bad", { pattern: "x", definition: { "dead-letter-exchange": "x" } })).toThrow(
        '[{<<"dead-letter-exchange">>,<<"x">>}] are not recognised policy settings',
      );
      expect(t.broker.clearOperatorPolicy("/", "pol8-op")).toBe(true);
      expect(q.args).toMatchObject({ maxLength: 5, messageTtl: 2000, expires: 0 });
      t.broker.clearPolicy("/", "pol8");
      expect(q.args).toMatchObject({ maxLength: 10, messageTtl: -1 });
      expect(q.policyDefinition).toBeNull();
    });
  });

  it("refuses what RabbitMQ refuses, with its reasons; max-priority is not a policy setting", () => {
    const bad: [object, string][] = [
      [{ pattern: "(", definition: { "message-ttl": 1 } }, "pattern should be regular expression but is invalid: "],
      [{ pattern: "x", definition: { "message-ttl": "a" } }, '<<"a">> is not a valid message TTL'],
      [{ pattern: "x", definition: { "max-priority": 5 } }, '[{<<"max-priority">>,5}] are not recognised policy settings'],
      [{ pattern: "x", definition: {} }, "no policy provided"],
      [{ pattern: "x", definition: { "message-ttl": 1 }, applyTo: "bad" }, "apply-to 'bad' unrecognised; should be 'queues', 'exchanges' or 'all'"],
      [{ pattern: "x", definition: { "message-ttl": -1 } }, "-1 is not a valid message TTL"],
      [{ pattern: "x", definition: { expires: 0 } }, "0 is not a valid queue expiry"],
      [{ pattern: "x", definition: { overflow: "x" } }, '<<"x">> is not a valid overflow value'],
      [{ pattern: "x", definition: { "max-length": 1.5 } }, "1.5 is not a valid maximum length"],
      [{ pattern: "x", definition: { "message-ttl": 1 }, priority: "a" }, 'priority should be a number, actually was <<"a">>'],
      [{ pattern: "x", definition: { "dead-letter-exchange": 1 } }, "1 is not a valid dead letter exchange name"],
      [{ pattern: 5, definition: { "max-length": 1 } }, "pattern should be a binary but was 5"],
      [{ pattern: "x", definition: { "max-length": 1 }, priority: "5" }, 'priority should be a number, actually was <<"5">>'],
    ];
    for (const [input, reason] of bad) {
      let err: unknown;
      try {
        t.broker.setPolicy("/", "polbad", input as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PolicyError);
      expect((err as Error).message.startsWith(reason), `${JSON.stringify(input)}: ${(err as Error).message}`).toBe(true);
    }
    expect(t.broker.policies("/").some((p) => p.name === "polbad")).toBe(false);
    // a dead-letter routing key alone is accepted, and queue-mode too (no effect here)
    expect(t.broker.setPolicy("/", "polbad", { pattern: "^none$", definition: { "dead-letter-routing-key": "k", "queue-mode": "lazy" } })).toBe(true);
    expect(t.broker.setPolicy("/", "polbad", { pattern: "^none$", definition: { "queue-mode": "lazy" } })).toBe(false);
    // a fractional priority is a number too (RabbitMQ 3.10.8 keeps 1.5)
    expect(t.broker.setPolicy("/", "polbad", { pattern: "^none$", definition: { "max-length": 1 }, priority: 1.5 })).toBe(false);
    expect(t.broker.policies("/").find((p) => p.name === "polbad")?.priority).toBe(1.5);
    t.broker.clearPolicy("/", "polbad");
  });
});

describe("durable policies", () => {
  it("messages of a disk backlog keep the TTL they arrived under when a policy changes it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-go-policies-"));
    const a = new Broker({ heartbeat: 0, dataDir: dir, storage: { queueMemoryBytes: 4096 } });
    try {
      const { port } = await a.listen({ port: 0, host: "127.0.0.1" });
      await withConnection(`amqp://guest:guest@127.0.0.1:${port}`, async (c) => {
        const ch = await c.createConfirmChannel();
        await ch.assertQueue("backlog", { durable: true });
        for (let i = 0; i < 100; i++) ch.sendToQueue("backlog", Buffer.alloc(500, i), { persistent: true });
        await ch.waitForConfirms();
        a.setPolicy("/", "short", { pattern: "^backlog$", definition: { "message-ttl": 30 } });
        await sleep(100);
        let got = 0;
        for (let m = await ch.get("backlog", { noAck: true }); m !== false; m = await ch.get("backlog", { noAck: true })) got++;
        expect(got).toBe(100); // queued before the policy: no deadline, on disk or not
        for (let i = 0; i < 50; i++) ch.sendToQueue("backlog", Buffer.alloc(500, i), { persistent: true });
        await ch.waitForConfirms();
        await sleep(150);
        expect((await ch.checkQueue("backlog")).messageCount).toBe(0); // queued under it: expired
      });
    } finally {
      await a.close();
    }
  });

  it("survive a restart and apply to the queues recovered", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-go-policies-"));
    const a = new Broker({ heartbeat: 0, dataDir: dir });
    await a.ready;
    const { port } = await a.listen({ port: 0, host: "127.0.0.1" });
    await withConnection(`amqp://guest:guest@127.0.0.1:${port}`, async (c) => {
      const ch = await c.createChannel();
      await ch.assertQueue("dq", { durable: true, arguments: { "x-max-length": 10 } });
    });
    a.setPolicy("/", "limits", { pattern: "^dq$", definition: { "max-length": 2, "message-ttl": 5000 }, priority: 3, applyTo: "queues" });
    a.setOperatorPolicy("/", "op-limits", { pattern: "^d", definition: { "message-ttl": 4000 } });
    await a.close();
    const b = new Broker({ heartbeat: 0, dataDir: dir });
    try {
      await b.ready;
      const [p] = b.policies("/");
      expect(p).toMatchObject({ name: "limits", pattern: "^dq$", priority: 3, applyTo: "queues", definition: { "max-length": 2, "message-ttl": 5000 } });
      const q = b.vhosts.get("/")!.queues.get("dq")!;
      expect(q.policy?.name).toBe("limits");
      expect(q.operatorPolicy?.name).toBe("op-limits");
      expect(q.args).toMatchObject({ maxLength: 2, messageTtl: 4000 });
      expect(b.clearOperatorPolicy("/", "op-limits")).toBe(true);
      expect(q.args).toMatchObject({ maxLength: 2, messageTtl: 5000 });
      expect(b.clearPolicy("/", "limits")).toBe(true);
      expect(q.args).toMatchObject({ maxLength: 10, messageTtl: -1 });
    } finally {
      await b.close();
    }
    const c2 = new Broker({ heartbeat: 0, dataDir: dir });
    try {
      await c2.ready;
      expect(c2.policies()).toEqual([]);
      expect(c2.policies(undefined, true)).toEqual([]);
    } finally {
      await c2.close();
    }
  });
});

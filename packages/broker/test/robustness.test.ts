/**
 * Hostile clients do not hurt good ones: a few hundred raw connections at once send random bytes,
 * broken and oversized frames, garbage after a valid handshake, half messages, and vanish without a
 * word, while one well-behaved amqplib publisher and consumer move N confirmed messages. All N must
 * arrive exactly once and in order, the good connections must see no error, and the broker must
 * still serve new connections afterwards.
 */
import { FrameType, MethodId } from "@amqp-go/protocol";
import amqp from "amqplib";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { until, useBroker } from "./helpers.js";
import { expectWorking, methodPayload, RawClient, rawFrame, sleep } from "./raw-client.js";

const t = useBroker({ handshakeTimeout: 1000 });

const N = 5000;
const CONCURRENCY = 250;
/** Chaos goes on at least this long, and as long as the good pair runs. */
const MIN_CHAOS_MS = 3000;

/** A small seeded PRNG (mulberry32), so that a failing run can be replayed with CHAOS_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type Misbehaviour = (port: number, rnd: () => number) => Promise<void>;

const int = (rnd: () => number, n: number) => Math.floor(rnd() * n);

/** Waits for the server to close, or gives up after `ms`; then makes sure the socket is gone. */
async function settle(c: RawClient, ms: number): Promise<void> {
  await c.waitClosed(ms).catch(() => {});
  c.destroy();
}

const misbehaviours: Record<string, Misbehaviour> = {
  async connectAndVanish(port) {
    const c = await RawClient.connect(port);
    c.destroy();
  },
  async randomBytes(port, rnd) {
    const c = await RawClient.connect(port);
    c.write(randomBytes(1 + int(rnd, 2000)));
    await settle(c, 300);
  },
  async headerThenRandom(port, rnd) {
    const c = await RawClient.connect(port);
    c.sendProtocolHeader();
    c.write(randomBytes(1 + int(rnd, 5000)));
    await settle(c, 300);
  },
  async stallInHandshake(port, rnd) {
    const c = await RawClient.connect(port);
    c.write("AMQP\x00\x00"); // half a header, then nothing
    await sleep(int(rnd, 300));
    c.destroy();
  },
  async oversizedFrameBeforeTune(port) {
    const c = await RawClient.connect(port);
    await c.start();
    const head = Buffer.alloc(7);
    head[0] = FrameType.Method;
    head.writeUInt32BE(0x7fffffff, 3);
    c.write(head);
    await settle(c, 300);
  },
  async oversizedFrameAfterTune(port) {
    const c = await RawClient.open(port, { heartbeat: 0 });
    c.write(rawFrame(FrameType.Body, 1, Buffer.alloc(131072 + 1000)));
    await settle(c, 300);
  },
  async garbageAfterHandshake(port, rnd) {
    const c = await RawClient.open(port, { heartbeat: 0 });
    await c.openChannel(1);
    c.write(randomBytes(1 + int(rnd, 3000)));
    await settle(c, 300);
  },
  async truncatedFrame(port, rnd) {
    const c = await RawClient.open(port, { heartbeat: 0 });
    const f = rawFrame(FrameType.Method, 0, methodPayload({ id: MethodId.ChannelOpen }));
    c.write(f.subarray(0, 1 + int(rnd, f.length - 1)));
    await sleep(int(rnd, 50));
    c.destroy();
  },
  async brokenFrames(port, rnd) {
    const c = await RawClient.open(port, { heartbeat: 0 });
    await c.openChannel(1);
    const bad = [
      rawFrame(FrameType.Method, 1, methodPayload({ id: MethodId.ChannelOpen }), 0x00),
      rawFrame(7, 1, Buffer.from("x")),
      rawFrame(FrameType.Body, 1, Buffer.from("orphan body")),
      rawFrame(FrameType.Heartbeat, 3, Buffer.alloc(0)),
      rawFrame(FrameType.Method, 1, Buffer.from([0xff, 0xff, 0xff, 0xff])),
      rawFrame(FrameType.Method, 1, methodPayload({ id: MethodId.QueueDeclare, queue: "x", passive: false, durable: false, exclusive: true, autoDelete: false, noWait: false }).subarray(0, 9)),
    ];
    c.write(bad[int(rnd, bad.length)]!);
    await settle(c, 300);
  },
  async vanishMidPublish(port, rnd) {
    const c = await RawClient.open(port, { heartbeat: 0 });
    await c.openChannel(1);
    c.send(1, { id: MethodId.BasicPublish, exchange: "", routingKey: "nowhere", mandatory: false, immediate: false });
    c.writer.rawHeader(1, 60, 64 * 1024, Buffer.from([0, 0]));
    c.write(c.writer.take());
    c.write(rawFrame(FrameType.Body, 1, randomBytes(int(rnd, 32 * 1024))));
    c.destroy();
  },
  async hugeDeclaredBody(port) {
    // A body size the broker accepts (under maxMessageSize), of which only a sliver ever comes.
    const c = await RawClient.open(port, { heartbeat: 0 });
    await c.openChannel(1);
    c.send(1, { id: MethodId.BasicPublish, exchange: "", routingKey: "nowhere", mandatory: false, immediate: false });
    c.writer.rawHeader(1, 60, 64 * 1024 * 1024, Buffer.from([0, 0]));
    c.write(c.writer.take());
    c.write(rawFrame(FrameType.Body, 1, Buffer.alloc(1000)));
    await sleep(50);
    c.destroy();
  },
  async vanishWithUnacked(port, rnd) {
    const c = await RawClient.open(port, { heartbeat: 0 });
    await c.openChannel(1);
    c.send(1, { id: MethodId.QueueDeclare, queue: "", passive: false, durable: false, exclusive: true, autoDelete: false, noWait: false });
    const { queue } = await c.expectMethod(1, MethodId.QueueDeclareOk);
    for (let i = 0, n = 1 + int(rnd, 50); i < n; i++) c.publish(1, "", queue, randomBytes(int(rnd, 2000)));
    c.send(1, { id: MethodId.BasicConsume, queue, consumerTag: "", noLocal: false, noAck: false, exclusive: false, noWait: false });
    await sleep(int(rnd, 30));
    c.destroy();
  },
  async channelFlood(port, rnd) {
    const c = await RawClient.open(port, { heartbeat: 0 });
    for (let ch = 1, n = 1 + int(rnd, 200); ch <= n; ch++) c.send(ch, { id: MethodId.ChannelOpen });
    // A second open of a channel: 504, and we never answer close-ok.
    c.send(1, { id: MethodId.ChannelOpen });
    await settle(c, 1500);
  },
  async channelErrorsThenVanish(port) {
    const c = await RawClient.open(port, { heartbeat: 0 });
    await c.openChannel(1);
    c.send(1, { id: MethodId.BasicAck, deliveryTag: 99, multiple: false }); // 406 on the channel
    c.send(1, { id: MethodId.QueueDeclare, queue: "x", passive: true, durable: false, exclusive: false, autoDelete: false, noWait: false });
    await sleep(10);
    c.destroy();
  },
};

describe("robustness", () => {
  it(`a good publisher and consumer move ${N} messages in order while ${CONCURRENCY} hostile connections misbehave`, async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);
    const rnd = prng(seed);
    const kinds = Object.keys(misbehaviours);
    const done: Record<string, number> = {};
    const failures: string[] = [];
    let stop = false;

    const chaos = Array.from({ length: CONCURRENCY }, async () => {
      while (!stop) {
        const kind = kinds[int(rnd, kinds.length)]!;
        try {
          await misbehaviours[kind]!(t.port, rnd);
          done[kind] = (done[kind] ?? 0) + 1;
        } catch (e) {
          // The handshake of a hostile client may itself be cut short by the server; only
          // record it. What matters is the good pair and the broker.
          failures.push(`${kind}: ${(e as Error).message.slice(0, 200)}`);
        }
      }
    });
    const chaosStart = Date.now();
    // the chaos is under way: as many hostile clients as run at once have had their go
    await until(() => Object.values(done).reduce((a, b) => a + b, 0) + failures.length >= CONCURRENCY);

    const goodErrors: string[] = [];
    const pub = await amqp.connect(t.url);
    const sub = await amqp.connect(t.url);
    for (const [name, c] of [["publisher", pub], ["consumer", sub]] as const) {
      c.on("error", (e: Error) => goodErrors.push(`${name} connection error: ${e.message}`));
      c.on("close", () => {
        if (!stop) goodErrors.push(`${name} connection closed`);
      });
    }
    const pch = await pub.createConfirmChannel();
    const sch = await sub.createChannel();
    pch.on("error", (e: Error) => goodErrors.push(`publisher channel: ${e.message}`));
    sch.on("error", (e: Error) => goodErrors.push(`consumer channel: ${e.message}`));
    const { queue } = await sch.assertQueue("robustness", { durable: false, autoDelete: false });
    await sch.prefetch(200);

    const received: number[] = [];
    const allReceived = new Promise<void>((resolve) => {
      void sch.consume(queue, (m) => {
        if (m === null) return;
        received.push(Number(m.content.toString()));
        sch.ack(m);
        if (received.length === N) resolve();
      });
    });

    let nacked = 0;
    for (let i = 0; i < N; i++) {
      const ok = pch.sendToQueue(queue, Buffer.from(String(i)), { deliveryMode: 1 }, (err: unknown) => {
        if (err) nacked++;
      });
      if (!ok) await new Promise((r) => pch.once("drain", r));
      if (i % 500 === 499) await pch.waitForConfirms();
    }
    await pch.waitForConfirms();
    await Promise.race([allReceived, sleep(10_000)]);

    while (Date.now() - chaosStart < MIN_CHAOS_MS) await sleep(50);
    stop = true;
    await Promise.all(chaos);
    const total = Object.values(done).reduce((a, b) => a + b, 0);

    const context = `seed ${seed}; chaos done ${JSON.stringify(done)}; ${failures.length} hostile clients cut short, e.g. ${failures.slice(0, 3).join(" | ")}`;
    expect(goodErrors, context).toEqual([]);
    expect(nacked, context).toBe(0);
    expect(received.length, context).toBe(N);
    // Exactly once, in order.
    const outOfOrder = received.findIndex((v, i) => v !== i);
    expect(outOfOrder, `first out-of-order delivery at ${outOfOrder}: ${received.slice(Math.max(0, outOfOrder - 2), outOfOrder + 3)}; ${context}`).toBe(-1);
    expect(total, context).toBeGreaterThan(CONCURRENCY * 2);
    for (const kind of kinds) expect(done[kind] ?? 0, `${kind} never ran; ${context}`).toBeGreaterThan(0);

    await pub.close();
    await sub.close();

    // The broker lets go of every hostile connection and of every message they left behind.
    await expect.poll(() => t.broker.connections.size, { timeout: 3000 }).toBe(0);
    const q = t.broker.vhosts.get("/")!.queues;
    expect([...q.keys()]).toEqual(["robustness"]);
    expect(q.get("robustness")!.messageCount).toBe(0);
    expect(t.broker.memory.bytes).toBe(0);
    await expectWorking(t.url);
  }, 30_000);
});

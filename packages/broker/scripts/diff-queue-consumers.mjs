#!/usr/bin/env node
/**
 * Differential check of the consumer-side queue features (issue 12, part B): runs the same cases
 * against two brokers and prints each answer (codes, texts, order), then the cases that differ.
 * Not run by CI (it needs a RabbitMQ); test/queue-consumers-conformance.test.ts holds ours to the
 * answers recorded in CONFORMANCE.md.
 *
 *   node scripts/diff-queue-consumers.mjs amqp://guest:guest@127.0.0.1:5690 amqp://guest:guest@127.0.0.1:5672
 *
 * Names start with `qcons-` (the reference node is shared); every queue is deleted afterwards.
 */
import amqp from "amqplib";
import { cleanup, closeOf, onChannel, runIfMain, sleep } from "./diff-harness.mjs";

/** Collects the bodies `queue` delivers within `ms`. */
async function drain(ch, queue, ms = 300) {
  const got = [];
  await ch.consume(queue, (m) => got.push(m.content.toString()), { noAck: true });
  await sleep(ms);
  return got;
}

const body = (s) => Buffer.from(s);

export const CASES = {
  async "user-id differs"(url) {
    return onChannel(url, async (ch, _c, closed) => {
      ch.publish("", "qcons-nowhere", body("x"), { userId: "bob" });
      return { closed: await closeOf(closed) };
    });
  },
  async "user-id matches"(url) {
    await cleanup(url, ["qcons-uid"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qcons-uid");
      ch.publish("", "qcons-uid", body("x"), { userId: "guest" });
      await sleep(100);
      const m = await ch.get("qcons-uid", { noAck: true });
      return { userId: m && m.properties.userId };
    });
    await cleanup(url, ["qcons-uid"]);
    return r;
  },
  async "CC and BCC route copies; BCC removed"(url) {
    const qs = ["qcons-cc-a", "qcons-cc-b", "qcons-cc-c"];
    await cleanup(url, qs);
    const r = await onChannel(url, async (ch) => {
      for (const [q, k] of [["qcons-cc-a", "a"], ["qcons-cc-b", "b"], ["qcons-cc-c", "c"]]) {
        await ch.assertQueue(q);
        await ch.bindQueue(q, "amq.direct", `qcons.${k}`);
      }
      ch.publish("amq.direct", "qcons.a", body("m"), { headers: { CC: ["qcons.b", "qcons.a"], BCC: ["qcons.c"], other: 1 } });
      await sleep(150);
      const out = {};
      for (const q of qs) {
        const m = await ch.get(q, { noAck: true });
        const m2 = await ch.get(q, { noAck: true });
        out[q] = m ? { routingKey: m.fields.routingKey, headers: Object.keys(m.properties.headers ?? {}).sort(), copies: m2 ? 2 : 1 } : null;
      }
      return out;
    });
    await cleanup(url, qs);
    return r;
  },
  async "CC not an array"(url) {
    return onChannel(url, async (ch, _c, closed) => {
      ch.publish("amq.direct", "qcons.a", body("m"), { headers: { CC: "qcons.b" } });
      return { closed: await closeOf(closed) };
    });
  },
  async "direct reply-to: consume with acks"(url) {
    return onChannel(url, async (ch) => {
      await ch.consume("amq.rabbitmq.reply-to", () => {}, { noAck: false });
      return { ok: true };
    });
  },
  async "direct reply-to: publish without a reply consumer"(url) {
    await cleanup(url, ["qcons-rpc"]);
    const r = await onChannel(url, async (ch, _c, closed) => {
      await ch.assertQueue("qcons-rpc");
      ch.publish("", "qcons-rpc", body("req"), { replyTo: "amq.rabbitmq.reply-to" });
      return { closed: await closeOf(closed) };
    });
    await cleanup(url, ["qcons-rpc"]);
    return r;
  },
  async "direct reply-to: round trip"(url) {
    await cleanup(url, ["qcons-rpc"]);
    const r = await onChannel(url, async (ch, conn) => {
      await ch.assertQueue("qcons-rpc");
      const replies = [];
      const ok = await ch.consume("amq.rabbitmq.reply-to", (m) => replies.push(m), { noAck: true });
      ch.publish("", "qcons-rpc", body("req"), { replyTo: "amq.rabbitmq.reply-to", correlationId: "c1" });
      await sleep(100);
      const server = await conn.createChannel();
      const req = await server.get("qcons-rpc", { noAck: true });
      const replyTo = req.properties.replyTo;
      server.publish("", replyTo, body("resp"), { correlationId: "c1" });
      await sleep(150);
      const m = replies[0];
      return {
        ctag: ok.consumerTag.startsWith("amq.ctag-"),
        replyToPrefix: replyTo.startsWith("amq.rabbitmq.reply-to.") && replyTo.length > 30,
        reply: m && { body: m.content.toString(), exchange: m.fields.exchange, routingKeyIsReplyTo: m.fields.routingKey === replyTo, consumerTag: m.fields.consumerTag === ok.consumerTag, correlationId: m.properties.correlationId },
      };
    });
    await cleanup(url, ["qcons-rpc"]);
    return r;
  },
  async "direct reply-to: passive declare"(url) {
    return onChannel(url, async (ch) => {
      const ok = await ch.checkQueue("amq.rabbitmq.reply-to");
      return ok;
    });
  },
  async "direct reply-to: passive declare of an unknown reply name"(url) {
    return onChannel(url, async (ch) => ch.checkQueue("amq.rabbitmq.reply-to.bogus"));
  },
  async "direct reply-to: second reply consumer"(url) {
    return onChannel(url, async (ch) => {
      await ch.consume("amq.rabbitmq.reply-to", () => {}, { noAck: true });
      await ch.consume("amq.rabbitmq.reply-to", () => {}, { noAck: true });
      return { ok: true };
    });
  },
  async "direct reply-to: reply to an unknown name is returned"(url) {
    return onChannel(url, async (ch) => {
      let returned = null;
      ch.on("return", (m) => (returned = { replyCode: m.fields.replyCode, replyText: m.fields.replyText, exchange: m.fields.exchange, routingKey: m.fields.routingKey }));
      ch.publish("", "amq.rabbitmq.reply-to.bogus", body("x"), { mandatory: true });
      await ch.checkQueue("amq.rabbitmq.reply-to");
      await sleep(100);
      return { returned };
    });
  },
  async "direct reply-to: declare (not passive)"(url) {
    return onChannel(url, async (ch) => ch.assertQueue("amq.rabbitmq.reply-to"));
  },
  async "direct reply-to: passive declare of a live reply name"(url) {
    await cleanup(url, ["qcons-rpc"]);
    const r = await onChannel(url, async (ch, conn) => {
      await ch.assertQueue("qcons-rpc");
      await ch.consume("amq.rabbitmq.reply-to", () => {}, { noAck: true });
      ch.publish("", "qcons-rpc", body("req"), { replyTo: "amq.rabbitmq.reply-to" });
      await sleep(100);
      const server = await conn.createChannel();
      const req = await server.get("qcons-rpc", { noAck: true });
      const ok = await server.checkQueue(req.properties.replyTo);
      return { sameName: ok.queue === req.properties.replyTo, messageCount: ok.messageCount, consumerCount: ok.consumerCount };
    });
    await cleanup(url, ["qcons-rpc"]);
    return r;
  },
  async "direct reply-to: basic.get"(url) {
    return onChannel(url, async (ch) => ({ got: await ch.get("amq.rabbitmq.reply-to", { noAck: true }) }));
  },
  async "x-priority not an integer"(url) {
    await cleanup(url, ["qcons-prio"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qcons-prio");
      await ch.consume("qcons-prio", () => {}, { arguments: { "x-priority": "high" } });
      return { ok: true };
    });
    await cleanup(url, ["qcons-prio"]);
    return r;
  },
  async "consumer priorities: higher first while it has room"(url) {
    await cleanup(url, ["qcons-prio"]);
    const r = await onChannel(url, async (ch, conn) => {
      await ch.assertQueue("qcons-prio");
      const got = [];
      const low = await conn.createChannel();
      await low.prefetch(10);
      await low.consume("qcons-prio", (m) => got.push(`low:${m.content}`), { arguments: { "x-priority": 1 } });
      const high = await conn.createChannel();
      await high.prefetch(2);
      await high.consume("qcons-prio", (m) => got.push(`high:${m.content}`), { arguments: { "x-priority": 10 } });
      for (let i = 0; i < 5; i++) ch.sendToQueue("qcons-prio", body(String(i)));
      await sleep(200);
      return { got };
    });
    await cleanup(url, ["qcons-prio"]);
    return r;
  },
  async "consumer priorities: equal priority round-robin"(url) {
    await cleanup(url, ["qcons-prio"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qcons-prio");
      const got = [];
      await ch.consume("qcons-prio", (m) => got.push(`a:${m.content}`), { noAck: true, arguments: { "x-priority": 5 } });
      await ch.consume("qcons-prio", (m) => got.push(`b:${m.content}`), { noAck: true, arguments: { "x-priority": 5 } });
      await ch.consume("qcons-prio", (m) => got.push(`c:${m.content}`), { noAck: true, arguments: { "x-priority": 1 } });
      for (let i = 0; i < 4; i++) ch.sendToQueue("qcons-prio", body(String(i)));
      await sleep(200);
      return { got };
    });
    await cleanup(url, ["qcons-prio"]);
    return r;
  },
  async "single active consumer: first one gets all, the next takes over"(url) {
    await cleanup(url, ["qcons-sac"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qcons-sac", { arguments: { "x-single-active-consumer": true } });
      const got = [];
      const a = await ch.consume("qcons-sac", (m) => got.push(`a:${m.content}`), { noAck: true });
      await ch.consume("qcons-sac", (m) => got.push(`b:${m.content}`), { noAck: true });
      const both = (await ch.checkQueue("qcons-sac")).consumerCount;
      for (let i = 0; i < 3; i++) ch.sendToQueue("qcons-sac", body(String(i)));
      await sleep(150);
      await ch.cancel(a.consumerTag);
      for (let i = 3; i < 5; i++) ch.sendToQueue("qcons-sac", body(String(i)));
      await sleep(150);
      const ok = await ch.checkQueue("qcons-sac");
      return { got, both, consumerCount: ok.consumerCount };
    });
    await cleanup(url, ["qcons-sac"]);
    return r;
  },
  async "single active consumer: consumer priority ignored (3.10)"(url) {
    await cleanup(url, ["qcons-sac"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qcons-sac", { arguments: { "x-single-active-consumer": true } });
      const got = [];
      await ch.consume("qcons-sac", (m) => got.push(`low:${m.content}`), { noAck: true, arguments: { "x-priority": 1 } });
      await ch.consume("qcons-sac", (m) => got.push(`high:${m.content}`), { noAck: true, arguments: { "x-priority": 10 } });
      for (let i = 0; i < 2; i++) ch.sendToQueue("qcons-sac", body(String(i)));
      await sleep(150);
      return { got };
    });
    await cleanup(url, ["qcons-sac"]);
    return r;
  },
  async "single active consumer: takes over on disconnect, unacked requeued"(url) {
    await cleanup(url, ["qcons-sac"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qcons-sac", { arguments: { "x-single-active-consumer": true } });
      const other = await amqp.connect(url);
      other.on("error", () => {});
      const och = await other.createChannel();
      const got = [];
      await och.consume("qcons-sac", (m) => got.push(`a:${m.content}:${m.fields.redelivered}`), { noAck: false });
      await ch.consume("qcons-sac", (m) => got.push(`b:${m.content}:${m.fields.redelivered}`), { noAck: true });
      ch.sendToQueue("qcons-sac", body("0"));
      await sleep(150);
      await other.close();
      await sleep(150);
      return { got };
    });
    await cleanup(url, ["qcons-sac"]);
    return r;
  },
  async "single active consumer: exclusive consume"(url) {
    await cleanup(url, ["qcons-sac"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qcons-sac", { arguments: { "x-single-active-consumer": true } });
      await ch.consume("qcons-sac", () => {}, { exclusive: true });
      return { ok: true };
    });
    await cleanup(url, ["qcons-sac"]);
    return r;
  },
  async "x-priority negative and large"(url) {
    await cleanup(url, ["qcons-prio"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qcons-prio");
      const got = [];
      await ch.consume("qcons-prio", (m) => got.push(`neg:${m.content}`), { noAck: true, arguments: { "x-priority": -5 } });
      await ch.consume("qcons-prio", (m) => got.push(`big:${m.content}`), { noAck: true, arguments: { "x-priority": 100000 } });
      ch.sendToQueue("qcons-prio", body("0"));
      await sleep(150);
      return { got };
    });
    await cleanup(url, ["qcons-prio"]);
    return r;
  },
  async "priority queue: higher first, FIFO within a priority"(url) {
    await cleanup(url, ["qcons-pq"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qcons-pq", { arguments: { "x-max-priority": 5 } });
      const sent = [[1, "a"], [5, "b"], [undefined, "c"], [9, "d"], [1, "e"], [0, "f"], [5, "g"], [3, "h"]];
      for (const [p, b] of sent) ch.sendToQueue("qcons-pq", body(b), p === undefined ? {} : { priority: p });
      await sleep(150);
      return { order: await drain(ch, "qcons-pq") };
    });
    await cleanup(url, ["qcons-pq"]);
    return r;
  },
  async "priority queue: requeued message goes back to its place"(url) {
    await cleanup(url, ["qcons-pq"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qcons-pq", { arguments: { "x-max-priority": 10 } });
      for (const [p, b] of [[2, "a"], [2, "b"], [7, "c"]]) ch.sendToQueue("qcons-pq", body(b), { priority: p });
      await sleep(100);
      const c = await ch.get("qcons-pq");
      const a = await ch.get("qcons-pq");
      ch.nack(a, false, true);
      ch.nack(c, false, true);
      await sleep(100);
      const out = [];
      for (;;) {
        const m = await ch.get("qcons-pq", { noAck: true });
        if (!m) break;
        out.push(`${m.content}:${m.fields.redelivered}`);
      }
      return { order: out };
    });
    await cleanup(url, ["qcons-pq"]);
    return r;
  },
  async "priority queue: message count and purge"(url) {
    await cleanup(url, ["qcons-pq"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qcons-pq", { arguments: { "x-max-priority": 3 } });
      for (let p = 0; p < 6; p++) ch.sendToQueue("qcons-pq", body(String(p)), { priority: p });
      await sleep(100);
      const before = (await ch.checkQueue("qcons-pq")).messageCount;
      const purged = (await ch.purgeQueue("qcons-pq")).messageCount;
      return { before, purged };
    });
    await cleanup(url, ["qcons-pq"]);
    return r;
  },
};

await runIfMain(import.meta.url, CASES);

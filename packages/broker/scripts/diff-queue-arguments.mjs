#!/usr/bin/env node
/**
 * Differential check of the queue arguments (issue 12, part A): argument validation, queue types,
 * TTL, dead-lettering, length limits, x-expires, quorum delivery limits. Runs the same cases
 * against two brokers and prints each answer (codes, texts, headers, order), then the cases that
 * differ. Not run by CI (it needs a RabbitMQ); test/queue-arguments-conformance.test.ts holds ours
 * to the answers recorded in CONFORMANCE.md §16.
 *
 *   node scripts/diff-queue-arguments.mjs amqp://guest:guest@127.0.0.1:5690 amqp://guest:guest@127.0.0.1:5672
 *
 * Names start with `qargs-` (the reference node is shared); every queue is deleted afterwards.
 * Timestamps are shown as "timestamp" (x-death `time`), being different in every run.
 */
import { cleanup, onChannel, runIfMain, sleep } from "./diff-harness.mjs";
import { body, declareCase, dlxCase, expirationCase, getAll, publishConfirmed, seen } from "./queue-argument-cases.mjs";

export const CASES = {
  // ---- argument validation -------------------------------------------------------------------
  "x-message-ttl longstr": declareCase({ "x-message-ttl": "abc" }),
  "x-message-ttl negative": declareCase({ "x-message-ttl": -1 }),
  "x-message-ttl double": declareCase({ "x-message-ttl": 1.5 }),
  "x-message-ttl too large": declareCase({ "x-message-ttl": 2 ** 32 }),
  "x-message-ttl zero": declareCase({ "x-message-ttl": 0 }),
  "x-expires zero": declareCase({ "x-expires": 0 }),
  "x-expires negative": declareCase({ "x-expires": -5 }),
  "x-expires longstr": declareCase({ "x-expires": "1000" }),
  "x-max-length negative": declareCase({ "x-max-length": -1 }),
  "x-max-length longstr": declareCase({ "x-max-length": "10" }),
  "x-max-length-bytes negative": declareCase({ "x-max-length-bytes": -1 }),
  "x-overflow unknown": declareCase({ "x-overflow": "bogus" }),
  "x-overflow not a string": declareCase({ "x-overflow": 5 }),
  "x-dead-letter-exchange not a string": declareCase({ "x-dead-letter-exchange": 5 }),
  "x-dead-letter-routing-key without an exchange": declareCase({ "x-dead-letter-routing-key": "k" }),
  "x-dead-letter-routing-key not a string": declareCase({ "x-dead-letter-exchange": "", "x-dead-letter-routing-key": 5 }),
  "x-max-priority too large": declareCase({ "x-max-priority": 300 }),
  "x-max-priority negative": declareCase({ "x-max-priority": -1 }),
  "x-max-priority longstr": declareCase({ "x-max-priority": "5" }),
  "x-single-active-consumer longstr": declareCase({ "x-single-active-consumer": "yes" }),
  "x-queue-mode unknown": declareCase({ "x-queue-mode": "fast" }),
  "unknown x- argument accepted": declareCase({ "x-qargs-unknown": 1 }),
  "x-queue-type bogus": declareCase({ "x-queue-type": "bogus" }),
  "x-queue-type classic": declareCase({ "x-queue-type": "classic" }),
  "quorum: non-durable": declareCase({ "x-queue-type": "quorum" }, { durable: false }),
  "quorum: exclusive": declareCase({ "x-queue-type": "quorum" }, { durable: true, exclusive: true }),
  "quorum: auto-delete": declareCase({ "x-queue-type": "quorum" }, { durable: true, autoDelete: true }),
  "quorum: x-max-priority": declareCase({ "x-queue-type": "quorum", "x-max-priority": 5 }, { durable: true }),
  "quorum: x-overflow reject-publish-dlx": declareCase({ "x-queue-type": "quorum", "x-overflow": "reject-publish-dlx" }, { durable: true }),
  "quorum: x-delivery-limit longstr": declareCase({ "x-queue-type": "quorum", "x-delivery-limit": "abc" }, { durable: true }),
  "quorum: x-message-ttl accepted": declareCase({ "x-queue-type": "quorum", "x-message-ttl": 1000 }, { durable: true }),
  "stream: non-durable": declareCase({ "x-queue-type": "stream" }, { durable: false }),
  async "quorum: redeclared as classic"(url) {
    await cleanup(url, ["qargs-v"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qargs-v", { durable: true, arguments: { "x-queue-type": "quorum" } });
      await ch.assertQueue("qargs-v", { durable: true });
      return { ok: true };
    });
    await cleanup(url, ["qargs-v"]);
    return r;
  },
  async "redeclare with another x-message-ttl"(url) {
    await cleanup(url, ["qargs-v"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qargs-v", { arguments: { "x-message-ttl": 100 } });
      await ch.assertQueue("qargs-v", { arguments: { "x-message-ttl": 200 } });
      return { ok: true };
    });
    await cleanup(url, ["qargs-v"]);
    return r;
  },

  // ---- per-message expiration ----------------------------------------------------------------
  "expiration not a number": expirationCase("abc"),
  "expiration negative": expirationCase("-1"),
  "expiration empty": expirationCase(""),
  "expiration 100000 kept": expirationCase("100000"),

  // ---- TTL -----------------------------------------------------------------------------------
  "x-message-ttl expires into the dead-letter queue": dlxCase({ "x-message-ttl": 100 }, async (ch) => {
    ch.sendToQueue("qargs-src", body("m1"), { headers: { h: 1 } });
    await sleep(400);
    return { left: await getAll(ch, "qargs-src") };
  }),
  "expiration property: dead-lettered without it, original-expiration": dlxCase({}, async (ch) => {
    ch.sendToQueue("qargs-src", body("short"), { expiration: "50" });
    ch.sendToQueue("qargs-src", body("long"), { expiration: "100000" });
    await sleep(300);
    return { left: await getAll(ch, "qargs-src") };
  }),
  "x-message-ttl and expiration: the lower wins": dlxCase({ "x-message-ttl": 100000 }, async (ch) => {
    ch.sendToQueue("qargs-src", body("a"), { expiration: "50" });
    await sleep(300);
    return { left: await getAll(ch, "qargs-src") };
  }),
  "expiration only at the head: a later short one waits": dlxCase({}, async (ch) => {
    ch.sendToQueue("qargs-src", body("long"), { expiration: "100000" });
    ch.sendToQueue("qargs-src", body("short"), { expiration: "50" });
    await sleep(300);
    const count = (await ch.checkQueue("qargs-src")).messageCount;
    return { count, left: await getAll(ch, "qargs-src") };
  }),
  "x-message-ttl 0: dropped without a consumer": dlxCase({ "x-message-ttl": 0 }, async (ch) => {
    ch.sendToQueue("qargs-src", body("gone"));
    await sleep(100);
    return { left: await getAll(ch, "qargs-src") };
  }),
  "x-message-ttl 0: delivered to a waiting consumer": dlxCase({ "x-message-ttl": 0 }, async (ch) => {
    const got = [];
    await ch.consume("qargs-src", (m) => got.push(seen(m)), { noAck: true });
    ch.sendToQueue("qargs-src", body("now"));
    await sleep(150);
    return { got };
  }),
  "x-message-ttl: an unacked message does not expire, a requeued one does": dlxCase({ "x-message-ttl": 100 }, async (ch) => {
    ch.sendToQueue("qargs-src", body("held"));
    await sleep(20);
    const m = await ch.get("qargs-src");
    await sleep(250);
    const unackedLeft = (await ch.checkQueue("qargs-src")).messageCount;
    ch.nack(m, false, true);
    await sleep(100);
    return { unackedLeft, left: await getAll(ch, "qargs-src") };
  }),
  "x-message-ttl: expired when a consumer would get it": dlxCase({ "x-message-ttl": 100 }, async (ch) => {
    ch.sendToQueue("qargs-src", body("old"));
    await sleep(200);
    const got = [];
    await ch.consume("qargs-src", (m) => got.push(seen(m)), { noAck: true });
    ch.sendToQueue("qargs-src", body("new"));
    await sleep(50);
    return { got };
  }),

  // ---- dead-lettering ------------------------------------------------------------------------
  "reject without requeue: reason rejected, routing key replaced": dlxCase({}, async (ch) => {
    ch.publish("", "qargs-src", body("r"), { headers: { keep: "yes" }, expiration: "100000" });
    await sleep(50);
    const m = await ch.get("qargs-src");
    ch.reject(m, false);
    return {};
  }),
  "nack multiple without requeue": dlxCase({}, async (ch) => {
    for (const b of ["a", "b"]) ch.sendToQueue("qargs-src", body(b));
    await sleep(50);
    await ch.get("qargs-src");
    const m2 = await ch.get("qargs-src");
    ch.nack(m2, true, false);
    return {};
  }),
  "reject with requeue does not dead-letter": dlxCase({}, async (ch) => {
    ch.sendToQueue("qargs-src", body("a"));
    await sleep(50);
    ch.reject(await ch.get("qargs-src"), true);
    await sleep(50);
    return { left: await getAll(ch, "qargs-src") };
  }),
  "no x-dead-letter-routing-key: the original routing key": async (url) => {
    const qs = ["qargs-src", "qargs-dlq"];
    await cleanup(url, qs);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qargs-dlq");
      await ch.bindQueue("qargs-dlq", "amq.direct", "qargs.key");
      await ch.assertQueue("qargs-src", { arguments: { "x-dead-letter-exchange": "amq.direct" } });
      await ch.bindQueue("qargs-src", "amq.direct", "qargs.key");
      await ch.unbindQueue("qargs-src", "amq.direct", "qargs.key").catch(() => {});
      ch.publish("", "qargs-src", body("x"), { headers: { CC: ["qargs.key"] } });
      await sleep(50);
      ch.reject(await ch.get("qargs-src"), false);
      await sleep(100);
      return { dead: await getAll(ch, "qargs-dlq") };
    });
    await cleanup(url, qs);
    return r;
  },
  "missing dead-letter exchange: dropped": async (url) => {
    await cleanup(url, ["qargs-src"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qargs-src", { arguments: { "x-dead-letter-exchange": "qargs-nowhere", "x-message-ttl": 50 } });
      ch.sendToQueue("qargs-src", body("x"));
      await sleep(200);
      return { count: (await ch.checkQueue("qargs-src")).messageCount };
    });
    await cleanup(url, ["qargs-src"]);
    return r;
  },
  "x-death counts merge over a reject/expire loop": async (url) => {
    const qs = ["qargs-work", "qargs-wait"];
    await cleanup(url, qs);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qargs-work", { arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "qargs-wait" } });
      await ch.assertQueue("qargs-wait", { arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "qargs-work", "x-message-ttl": 50 } });
      ch.sendToQueue("qargs-work", body("retry"));
      const seenHeaders = [];
      for (let i = 0; i < 3; i++) {
        await sleep(i === 0 ? 50 : 200);
        const m = await ch.get("qargs-work");
        if (!m) break;
        seenHeaders.push(seen(m));
        ch.reject(m, false);
      }
      await sleep(200);
      const last = await ch.get("qargs-work", { noAck: true });
      return { seenHeaders, last: seen(last) };
    });
    await cleanup(url, qs);
    return r;
  },
  "cycle of expiries only: dropped": async (url) => {
    const qs = ["qargs-c1", "qargs-c2"];
    await cleanup(url, qs);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qargs-c1", { arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "qargs-c2", "x-message-ttl": 30 } });
      await ch.assertQueue("qargs-c2", { arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "qargs-c1", "x-message-ttl": 30 } });
      ch.sendToQueue("qargs-c1", body("loop"));
      await sleep(500);
      return { c1: (await ch.checkQueue("qargs-c1")).messageCount, c2: (await ch.checkQueue("qargs-c2")).messageCount };
    });
    await cleanup(url, qs);
    return r;
  },
  "dead-letter to the same queue after a reject (no cycle)": async (url) => {
    await cleanup(url, ["qargs-self"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qargs-self", { arguments: { "x-dead-letter-exchange": "" } });
      ch.sendToQueue("qargs-self", body("again"));
      await sleep(50);
      ch.reject(await ch.get("qargs-self"), false);
      await sleep(50);
      const m = await ch.get("qargs-self");
      ch.reject(m, false);
      await sleep(50);
      return { first: seen(m), second: seen(await ch.get("qargs-self", { noAck: true })) };
    });
    await cleanup(url, ["qargs-self"]);
    return r;
  },
  "purge and delete do not dead-letter": dlxCase({}, async (ch) => {
    ch.sendToQueue("qargs-src", body("p"));
    await sleep(50);
    const purged = (await ch.purgeQueue("qargs-src")).messageCount;
    ch.sendToQueue("qargs-src", body("d"));
    await sleep(50);
    const deleted = (await ch.deleteQueue("qargs-src")).messageCount;
    return { purged, deleted };
  }),

  // ---- length limits -------------------------------------------------------------------------
  "x-max-length drop-head: the oldest dead-lettered as maxlen": dlxCase({ "x-max-length": 2 }, async (ch) => {
    for (const b of ["1", "2", "3"]) ch.sendToQueue("qargs-src", body(b));
    await sleep(100);
    return { left: await getAll(ch, "qargs-src") };
  }),
  "x-max-length 0": dlxCase({ "x-max-length": 0 }, async (ch) => {
    ch.sendToQueue("qargs-src", body("z"));
    await sleep(100);
    return { left: await getAll(ch, "qargs-src") };
  }),
  "x-max-length-bytes drop-head": dlxCase({ "x-max-length-bytes": 10 }, async (ch) => {
    for (const b of ["aaaa", "bbbb", "cccc"]) ch.sendToQueue("qargs-src", body(b));
    await sleep(100);
    return { left: await getAll(ch, "qargs-src") };
  }),
  "x-max-length-bytes: a message larger than the limit": dlxCase({ "x-max-length-bytes": 3 }, async (ch) => {
    ch.sendToQueue("qargs-src", body("toolong"));
    await sleep(100);
    return { left: await getAll(ch, "qargs-src") };
  }),
  "x-overflow reject-publish: nacked, not dead-lettered": dlxCase(
    { "x-max-length": 2, "x-overflow": "reject-publish" },
    async (ch) => ({ confirms: await publishConfirmed(ch, "qargs-src", ["1", "2", "3"]), left: await getAll(ch, "qargs-src") }),
    true,
  ),
  "x-overflow reject-publish-dlx: nacked and dead-lettered": dlxCase(
    { "x-max-length": 2, "x-overflow": "reject-publish-dlx" },
    async (ch) => ({ confirms: await publishConfirmed(ch, "qargs-src", ["1", "2", "3"]), left: await getAll(ch, "qargs-src") }),
    true,
  ),
  "x-overflow reject-publish without confirms: dropped": dlxCase({ "x-max-length": 1, "x-overflow": "reject-publish" }, async (ch) => {
    for (const b of ["1", "2"]) ch.sendToQueue("qargs-src", body(b));
    await sleep(100);
    return { left: await getAll(ch, "qargs-src") };
  }),
  "x-overflow reject-publish: unacked messages count": dlxCase({ "x-max-length": 1, "x-overflow": "reject-publish" }, async (ch) => {
    ch.sendToQueue("qargs-src", body("1"));
    await sleep(50);
    const m = await ch.get("qargs-src");
    ch.sendToQueue("qargs-src", body("2"));
    await sleep(50);
    ch.ack(m);
    return { left: await getAll(ch, "qargs-src") };
  }),
  "x-max-length: a requeued message over the limit": dlxCase({ "x-max-length": 1 }, async (ch) => {
    ch.sendToQueue("qargs-src", body("1"));
    await sleep(50);
    const m = await ch.get("qargs-src");
    ch.sendToQueue("qargs-src", body("2"));
    await sleep(50);
    ch.nack(m, false, true);
    await sleep(50);
    return { left: await getAll(ch, "qargs-src") };
  }),

  // ---- x-expires -----------------------------------------------------------------------------
  async "x-expires deletes an unused queue"(url) {
    await cleanup(url, ["qargs-exp"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qargs-exp", { arguments: { "x-expires": 200 } });
      await sleep(600);
      await ch.checkQueue("qargs-exp");
      return { alive: true };
    });
    await cleanup(url, ["qargs-exp"]);
    return r;
  },
  async "x-expires: a queue with a consumer stays"(url) {
    await cleanup(url, ["qargs-exp"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qargs-exp", { arguments: { "x-expires": 200 } });
      await ch.consume("qargs-exp", () => {});
      await sleep(500);
      return { consumerCount: (await ch.checkQueue("qargs-exp")).consumerCount };
    });
    await cleanup(url, ["qargs-exp"]);
    return r;
  },
  async "x-expires: a redeclare renews it"(url) {
    await cleanup(url, ["qargs-exp"]);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qargs-exp", { arguments: { "x-expires": 400 } });
      for (let i = 0; i < 3; i++) {
        await sleep(200);
        await ch.assertQueue("qargs-exp", { arguments: { "x-expires": 400 } });
      }
      return { alive: (await ch.checkQueue("qargs-exp")).queue };
    });
    await cleanup(url, ["qargs-exp"]);
    return r;
  },

  // ---- quorum queues -------------------------------------------------------------------------
  async "quorum: x-delivery-count on redelivery, x-delivery-limit dead-letters"(url) {
    const qs = ["qargs-qq", "qargs-dlq"];
    await cleanup(url, qs);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qargs-dlq");
      await ch.assertQueue("qargs-qq", {
        durable: true,
        arguments: { "x-queue-type": "quorum", "x-delivery-limit": 1, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "qargs-dlq" },
      });
      await ch.prefetch(1);
      ch.sendToQueue("qargs-qq", body("q"), { headers: { h: 1 } });
      const got = [];
      await ch.consume("qargs-qq", (m) => {
        got.push(seen(m));
        ch.nack(m, false, true);
      });
      await sleep(600);
      return { got, dead: await getAll(ch, "qargs-dlq") };
    });
    await cleanup(url, qs);
    return r;
  },
  async "quorum: reject without requeue dead-letters as rejected"(url) {
    const qs = ["qargs-qq", "qargs-dlq"];
    await cleanup(url, qs);
    const r = await onChannel(url, async (ch) => {
      await ch.assertQueue("qargs-dlq");
      await ch.assertQueue("qargs-qq", { durable: true, arguments: { "x-queue-type": "quorum", "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "qargs-dlq" } });
      ch.sendToQueue("qargs-qq", body("q"));
      await sleep(100);
      ch.reject(await ch.get("qargs-qq"), false);
      await sleep(200);
      return { dead: await getAll(ch, "qargs-dlq") };
    });
    await cleanup(url, qs);
    return r;
  },
};

await runIfMain(import.meta.url, CASES);

#!/usr/bin/env node
/**
 * Differential check of policies (issue 13): what a policy does to existing and new queues over
 * AMQP: TTL and dead-lettering set live, length limits at once, client arguments against the
 * policy's, priorities, apply-to, clearing, an exchange's alternate exchange. Each case takes the broker's AMQP URL and a way to set
 * and clear policies (RabbitMQ's management API here; `broker.setPolicy` in
 * test/policies-conformance.test.ts, which holds ours to the answers recorded from RabbitMQ 3.10.8
 * in test/fixtures/rabbitmq-policies.json). Not run by CI (it needs a RabbitMQ):
 *
 *   node scripts/diff-policies.mjs --record amqp://guest:guest@127.0.0.1:5690 http://guest:guest@127.0.0.1:15680
 *
 * Names start with `policies-` (the reference node is shared); everything is deleted afterwards.
 */
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import amqp from "amqplib";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** RabbitMQ applies a policy asynchronously (each queue process takes it): time for that. */
const SETTLE = 250;

/** Policies through RabbitMQ's management API (`base` with credentials). */
export function httpPolicies(base) {
  const u = new URL(base);
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64")}`;
  const origin = `${u.protocol}//${u.host}`;
  const call = async (method, name, body) => {
    const res = await fetch(`${origin}/api/policies/%2F/${encodeURIComponent(name)}`, {
      method,
      headers: { authorization: auth, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await res.text();
    if (res.status >= 300 && !(method === "DELETE" && res.status === 404)) throw new Error(`${method} policy ${name}: ${res.status}`);
  };
  return { set: (name, body) => call("PUT", name, body), clear: (name) => call("DELETE", name) };
}

/** Runs `fn(ch)` on a confirm channel of a fresh connection; deletes `queues` and `exchanges` after. */
async function onChannel(url, queues, exchanges, fn) {
  const conn = await amqp.connect(url);
  conn.on("error", () => {});
  const ch = await conn.createConfirmChannel();
  try {
    return await fn(ch);
  } finally {
    for (const q of queues) await ch.deleteQueue(q).catch(() => {});
    for (const x of exchanges) await ch.deleteExchange(x).catch(() => {});
    await conn.close().catch(() => {});
  }
}

const count = async (ch, q) => (await ch.checkQueue(q)).messageCount;

/** Publishes `n` messages to `q` one by one, confirmed; how many were nacked. */
async function publishConfirmed(ch, q, n) {
  let nacked = 0;
  for (let i = 0; i < n; i++) await new Promise((r) => ch.sendToQueue(q, Buffer.from(`m${i}`), {}, (err) => r(err ? nacked++ : 0)));
  return nacked;
}

async function dlq(ch, exchange, queue, type = "fanout", key = "") {
  await ch.assertExchange(exchange, type, { durable: false });
  await ch.assertQueue(queue, { durable: false });
  await ch.bindQueue(queue, exchange, key);
}

const policy = (pattern, definition, priority = 0, applyTo = "queues") => ({ pattern, definition, priority, "apply-to": applyTo });

export const CASES = {
  /** The must-show: an existing queue gets TTL and a dead-letter exchange from a policy. */
  async ttl_and_dlx_on_existing_queue(url, p) {
    return onChannel(url, ["policies-c1", "policies-c1-dlq"], ["policies-c1-dlx"], async (ch) => {
      await dlq(ch, "policies-c1-dlx", "policies-c1-dlq");
      await ch.assertQueue("policies-c1", { durable: false });
      await p.set("policies-c1", policy("^policies-c1$", { "message-ttl": 100, "dead-letter-exchange": "policies-c1-dlx" }));
      await sleep(SETTLE);
      await publishConfirmed(ch, "policies-c1", 2);
      await sleep(500);
      const m = await ch.get("policies-c1-dlq", { noAck: true });
      const death = m && m.properties.headers["x-death"][0];
      const out = { queue: await count(ch, "policies-c1"), dlq: await count(ch, "policies-c1-dlq"), body: m && m.content.toString(), reason: death?.reason, from: death?.queue };
      await p.clear("policies-c1");
      return out;
    });
  },

  /** Client arguments lower than the policy's win; the queue's own DLX and overflow win; the policy's routing key fills in. */
  async own_arguments_against_policy(url, p) {
    return onChannel(url, ["policies-c2", "policies-c2-dlq"], ["policies-c2-own", "policies-c2-pol"], async (ch) => {
      await dlq(ch, "policies-c2-own", "policies-c2-dlq");
      await ch.assertExchange("policies-c2-pol", "fanout", { durable: false });
      await ch.assertQueue("policies-c2", {
        durable: false,
        arguments: { "x-message-ttl": 300, "x-max-length": 10, "x-dead-letter-exchange": "policies-c2-own", "x-overflow": "reject-publish" },
      });
      await p.set(
        "policies-c2",
        policy("^policies-c2$", { "message-ttl": 5000, "max-length": 2, "dead-letter-exchange": "policies-c2-pol", "dead-letter-routing-key": "rk", overflow: "drop-head" }),
      );
      await sleep(SETTLE);
      const nacked = await publishConfirmed(ch, "policies-c2", 4);
      const kept = await count(ch, "policies-c2");
      await sleep(700);
      const m = await ch.get("policies-c2-dlq", { noAck: true });
      const out = { nacked, kept, after: await count(ch, "policies-c2"), dlq: 1 + (await count(ch, "policies-c2-dlq")), routingKey: m && m.fields.routingKey };
      await p.clear("policies-c2");
      return out;
    });
  },

  /** The policy's lower TTL and length limit win over the queue's. */
  async policy_lower_than_arguments(url, p) {
    return onChannel(url, ["policies-c3"], [], async (ch) => {
      await ch.assertQueue("policies-c3", { durable: false, arguments: { "x-message-ttl": 5000, "x-max-length": 5 } });
      await p.set("policies-c3", policy("^policies-c3$", { "message-ttl": 200, "max-length": 2 }));
      await sleep(SETTLE);
      await publishConfirmed(ch, "policies-c3", 4);
      const kept = await count(ch, "policies-c3");
      await sleep(600);
      const out = { kept, after: await count(ch, "policies-c3") };
      await p.clear("policies-c3");
      return out;
    });
  },

  /** A lower max-length drops the head at once (dead-lettered as maxlen); the oldest go. */
  async length_limit_at_once(url, p) {
    return onChannel(url, ["policies-c4", "policies-c4-dlq"], ["policies-c4-dlx"], async (ch) => {
      await dlq(ch, "policies-c4-dlx", "policies-c4-dlq");
      await ch.assertQueue("policies-c4", { durable: false });
      await publishConfirmed(ch, "policies-c4", 6);
      await p.set("policies-c4", policy("^policies-c4$", { "max-length": 2, "dead-letter-exchange": "policies-c4-dlx" }));
      await sleep(SETTLE);
      const m = await ch.get("policies-c4", { noAck: true });
      const d = await ch.get("policies-c4-dlq", { noAck: true });
      const out = { head: m && m.content.toString(), left: 1 + (await count(ch, "policies-c4")), dlq: 1 + (await count(ch, "policies-c4-dlq")), firstDead: d && d.content.toString(), reason: d && d.properties.headers["x-death"][0].reason };
      await p.clear("policies-c4");
      return out;
    });
  },

  /** Messages queued before the policy keep no deadline; a new one waits behind them (expiry at the head). */
  async queued_messages_keep_their_deadline(url, p) {
    return onChannel(url, ["policies-c5", "policies-c5-empty"], [], async (ch) => {
      await ch.assertQueue("policies-c5", { durable: false });
      await ch.assertQueue("policies-c5-empty", { durable: false });
      await publishConfirmed(ch, "policies-c5", 3);
      await p.set("policies-c5", policy("^policies-c5", { "message-ttl": 100 }));
      await sleep(SETTLE);
      await publishConfirmed(ch, "policies-c5", 1);
      await publishConfirmed(ch, "policies-c5-empty", 1);
      await sleep(400);
      const out = { withOld: await count(ch, "policies-c5"), empty: await count(ch, "policies-c5-empty") };
      await p.clear("policies-c5");
      return out;
    });
  },

  /** Clearing the policy brings back the queue's own (higher) TTL and limit. */
  async clearing_restores_own_arguments(url, p) {
    return onChannel(url, ["policies-c6"], [], async (ch) => {
      await ch.assertQueue("policies-c6", { durable: false, arguments: { "x-message-ttl": 60000, "x-max-length": 4 } });
      await p.set("policies-c6", policy("^policies-c6$", { "message-ttl": 100, "max-length": 1 }));
      await sleep(SETTLE);
      await publishConfirmed(ch, "policies-c6", 3);
      const under = await count(ch, "policies-c6");
      await p.clear("policies-c6");
      await sleep(SETTLE);
      await publishConfirmed(ch, "policies-c6", 6);
      await sleep(300);
      return { under, restored: await count(ch, "policies-c6") };
    });
  },

  /** The higher priority applies; clearing it, the next one does; apply-to exchanges leaves queues alone. */
  async priority_and_apply_to(url, p) {
    return onChannel(url, ["policies-c7"], [], async (ch) => {
      await ch.assertQueue("policies-c7", { durable: false });
      await p.set("policies-c7-low", policy("^policies-c7$", { "max-length": 3 }, 1));
      await p.set("policies-c7-high", policy("^policies-c7", { "max-length": 2 }, 2));
      await p.set("policies-c7-x", policy("^policies-c7$", { "max-length": 1 }, 9, "exchanges"));
      await sleep(SETTLE);
      await publishConfirmed(ch, "policies-c7", 5);
      const high = await count(ch, "policies-c7");
      await p.clear("policies-c7-high");
      await sleep(SETTLE);
      await publishConfirmed(ch, "policies-c7", 5);
      const low = await count(ch, "policies-c7");
      await p.clear("policies-c7-low");
      await p.clear("policies-c7-x");
      return { high, low };
    });
  },

  /** A queue declared after the policy gets it; expires from a policy deletes it once unused. */
  async new_queue_and_expires(url, p) {
    return onChannel(url, ["policies-c8"], [], async (ch) => {
      await p.set("policies-c8", policy("^policies-c8$", { "max-length": 1, expires: 300 }));
      await sleep(SETTLE);
      await ch.assertQueue("policies-c8", { durable: false });
      await publishConfirmed(ch, "policies-c8", 3);
      const kept = await count(ch, "policies-c8");
      await sleep(900);
      let exists = true;
      await ch.checkQueue("policies-c8").catch(() => {
        exists = false;
      });
      await p.clear("policies-c8");
      return { kept, exists };
    });
  },

  /** alternate-exchange from a policy on exchanges: the exchange's own argument wins; clearing it, none. */
  async alternate_exchange(url, p) {
    const queues = ["policies-c9-own", "policies-c9-pol"];
    return onChannel(url, queues, ["policies-c9-x1", "policies-c9-x2", "policies-c9-ae-own", "policies-c9-ae-pol"], async (ch) => {
      await dlq(ch, "policies-c9-ae-own", "policies-c9-own");
      await dlq(ch, "policies-c9-ae-pol", "policies-c9-pol");
      await ch.assertExchange("policies-c9-x1", "direct", { durable: false, arguments: { "alternate-exchange": "policies-c9-ae-own" } });
      await ch.assertExchange("policies-c9-x2", "direct", { durable: false });
      await p.set("policies-c9-q", policy("^policies-c9-x", { "alternate-exchange": "policies-c9-ae-own" }, 5, "queues"));
      await p.set("policies-c9", policy("^policies-c9-x", { "alternate-exchange": "policies-c9-ae-pol" }, 0, "exchanges"));
      await sleep(SETTLE);
      const publish = async (x) => {
        ch.publish(x, "nowhere", Buffer.from(x));
        await ch.waitForConfirms();
      };
      await publish("policies-c9-x1");
      await publish("policies-c9-x2");
      const under = { own: await count(ch, "policies-c9-own"), pol: await count(ch, "policies-c9-pol") };
      await p.clear("policies-c9");
      await sleep(SETTLE);
      await publish("policies-c9-x2");
      const cleared = { own: await count(ch, "policies-c9-own"), pol: await count(ch, "policies-c9-pol") };
      await p.clear("policies-c9-q");
      return { under, cleared };
    });
  },
};

async function record(url, base) {
  const p = httpPolicies(base);
  const answers = {};
  for (const [name, run] of Object.entries(CASES)) {
    answers[name] = await run(url, p);
    console.log(name, JSON.stringify(answers[name]));
  }
  const file = new URL("../test/fixtures/rabbitmq-policies.json", import.meta.url);
  writeFileSync(file, `${JSON.stringify({ recordedFrom: "RabbitMQ 3.10.8", answers }, null, 1)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [flag, url, base] = process.argv.slice(2);
  if (flag !== "--record" || url === undefined || base === undefined) {
    console.error("usage: diff-policies.mjs --record <amqp url> <management url with credentials>");
    process.exit(2);
  }
  await record(url, base);
}

/**
 * What the cases of diff-queue-arguments.mjs are made of: a declare with arguments, a publish with
 * an expiration, a dead-lettering setup, and how a message is shown (timestamps replaced).
 */
import { cleanup, closeOf, onChannel, sleep } from "./diff-harness.mjs";

export const body = (s) => Buffer.from(s);

/** A header value with timestamps replaced (they differ in every run); keys as a list, in wire order. */
function shown(v) {
  if (Array.isArray(v)) return v.map(shown);
  if (v !== null && typeof v === "object" && !Buffer.isBuffer(v)) {
    if (v["!"] === "timestamp") return "timestamp";
    return Object.entries(v).map(([k, x]) => [k, shown(x)]);
  }
  return v;
}

/** What a consumer sees of a message: body, routing, redelivered flag, expiration and headers. */
export function seen(m) {
  if (!m) return null;
  const p = m.properties;
  return {
    body: m.content.toString(),
    exchange: m.fields.exchange,
    routingKey: m.fields.routingKey,
    redelivered: m.fields.redelivered,
    ...(p.expiration === undefined ? {} : { expiration: p.expiration }),
    ...(p.headers === undefined || Object.keys(p.headers).length === 0 ? {} : { headers: shown(p.headers) }),
  };
}

/** Every message of `queue`, by basic.get (no-ack). */
export async function getAll(ch, queue) {
  const out = [];
  for (;;) {
    const m = await ch.get(queue, { noAck: true });
    if (!m) return out;
    out.push(seen(m));
  }
}

/** A queue.declare of `qargs-v` with `args`: declare-ok counts, or the channel's close. */
export function declareCase(args, options = {}) {
  return async (url) => {
    await cleanup(url, ["qargs-v"]);
    const r = await onChannel(url, async (ch) => {
      const ok = await ch.assertQueue("qargs-v", { ...options, arguments: args });
      return { ok: { queue: ok.queue, messageCount: ok.messageCount, consumerCount: ok.consumerCount } };
    });
    await cleanup(url, ["qargs-v"]);
    return r;
  };
}

/** A publish with `expiration` to qargs-p: what basic.get then finds, or the channel's close. */
export function expirationCase(expiration) {
  return async (url) => {
    await cleanup(url, ["qargs-p"]);
    const r = await onChannel(url, async (ch, _c, closed) => {
      await ch.assertQueue("qargs-p");
      ch.publish("", "qargs-p", body("x"), { expiration });
      if ((await closeOf(closed, 300)) !== null) return {};
      return { got: await getAll(ch, "qargs-p") };
    });
    await cleanup(url, ["qargs-p"]);
    return r;
  };
}

/**
 * Declares `qargs-dlq` (bound by the default exchange) and `qargs-src` with `args` (dead-lettering
 * to "" by default), runs `fn(ch)`, then returns what fn returned plus what reached the dead-letter queue.
 */
export function dlxCase(args, fn, confirm = false) {
  return async (url) => {
    const qs = ["qargs-src", "qargs-dlq"];
    await cleanup(url, qs);
    const r = await onChannel(
      url,
      async (ch, conn, closed) => {
        await ch.assertQueue("qargs-dlq");
        await ch.assertQueue("qargs-src", { arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "qargs-dlq", ...args } });
        const out = (await fn(ch, conn, closed)) ?? {};
        await sleep(100);
        return { ...out, dead: await getAll(ch, "qargs-dlq") };
      },
      confirm,
    );
    await cleanup(url, qs);
    return r;
  };
}

/** Publishes and waits for every confirm; returns "ack" or "nack" for each. */
export async function publishConfirmed(ch, queue, bodies, props = {}) {
  const answers = bodies.map(
    (b) => new Promise((resolve) => ch.sendToQueue(queue, body(b), props, (err) => resolve(err ? "nack" : "ack"))),
  );
  return Promise.all(answers);
}

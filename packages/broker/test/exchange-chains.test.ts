/**
 * Exchange-to-exchange routing as RabbitMQ does it (rabbit_exchange:route1): a work list, not
 * recursion, so any depth routes; each exchange visited once, each queue gets the message once;
 * an exchange whose own bindings match nothing hands the message to its alternate exchange.
 */
import { describe, expect, it } from "vitest";
import { channel, useBroker, withConnection } from "./helpers.js";

const t = useBroker();

const DEPTH = 30_000;

describe("exchange-to-exchange chains", () => {
  it(`route a message down a chain ${DEPTH} exchanges deep (recursion answered 541)`, async () => {
    // the chain is built on the vhost directly: 60,000 round trips would only test the client
    const v = t.broker.vhosts.get("/")!;
    const opts = { type: "direct", passive: false, durable: false, autoDelete: false, internal: false, arguments: {} };
    for (let i = 0; i < DEPTH; i++) v.declareExchange({ ...opts, name: `chain.${i}` });
    for (let i = 1; i < DEPTH; i++) v.bind(`chain.${i - 1}`, v.exchange(`chain.${i}`), "k", {});
    // a cycle back to the start, and the end bound to a queue twice over two paths
    v.bind(`chain.${DEPTH - 1}`, v.exchange("chain.0"), "k", {});
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertQueue("chain.end", { exclusive: true });
      await ch.bindQueue("chain.end", `chain.${DEPTH - 1}`, "k");
      await ch.bindQueue("chain.end", `chain.${DEPTH - 2}`, "k");
      ch.publish("chain.0", "k", Buffer.from("deep"));
      // answered after the publish before it on this channel
      expect((await ch.checkQueue("chain.end")).messageCount).toBe(1);
      const got = await ch.get("chain.end", { noAck: true });
      expect(got && got.content.toString()).toBe("deep");
      // once: the cycle and the second path do not copy it
      expect((await ch.checkQueue("chain.end")).messageCount).toBe(0);
      expect(ch.closedWith).toBeUndefined();
    });
  }, 60_000);

  it("uses an exchange's alternate exchange only when its own bindings match nothing, as RabbitMQ 3.10 does", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertExchange("ae.alt", "fanout", { autoDelete: true });
      await ch.assertQueue("ae.q", { exclusive: true });
      await ch.bindQueue("ae.q", "ae.alt", "");
      await ch.assertExchange("ae.x", "direct", { autoDelete: true, arguments: { "alternate-exchange": "ae.alt" } });
      await ch.assertExchange("ae.y", "direct", { autoDelete: true });
      await ch.bindExchange("ae.y", "ae.x", "k");
      ch.publish("ae.x", "k", Buffer.from("to y, which routes nowhere")); // x matched y: no alternate
      ch.publish("ae.x", "other", Buffer.from("to the alternate"));
      expect((await ch.checkQueue("ae.q")).messageCount).toBe(1);
      const got = await ch.get("ae.q", { noAck: true });
      expect(got && got.content.toString()).toBe("to the alternate");
      expect((await ch.checkQueue("ae.q")).messageCount).toBe(0);
    });
  });
});

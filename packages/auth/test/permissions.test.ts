/**
 * Permissions over a real socket: each of configure, write and read allowing and denying, at the
 * operations RabbitMQ checks them on, with RabbitMQ's 403 texts.
 */
import { describe, expect, it } from "vitest";
import { hash, useServer, usersFile, withConnection, type ChannelModel } from "./helpers.js";

const file = usersFile({
  users: [{ name: "app", ...hash("app-pw"), tags: [] }],
  permissions: [
    {
      user: "app",
      vhost: "/",
      // Not anchored at the end: "^app\." covers app.in, app.out, app.x...
      configure: "^app\\.",
      write: "^(app\\.in|app\\.x|amq\\.default)$",
      read: "^(app\\.out|app\\.x|amq\\.direct)$",
    },
  ],
});
const t = useServer(file);

type Closable = { on(event: "error", f: (e: Error & { code?: number }) => void): unknown };

/** Runs `op` on a fresh channel and returns the 403 text it was closed with. */
async function refused(c: ChannelModel, op: (ch: Awaited<ReturnType<ChannelModel["createChannel"]>>) => unknown): Promise<string> {
  const ch = await c.createChannel();
  const closed = new Promise<Error & { code?: number }>((resolve) => (ch as Closable).on("error", resolve));
  try {
    await op(ch);
  } catch {
    // The channel error also arrives as the rejection of an RPC.
  }
  const err = await closed;
  expect(err.code).toBe(403);
  return err.message.replace(/^Channel closed by server: 403 \(ACCESS-REFUSED\) with message "(.*)"$/, "$1");
}

const app = <T>(fn: (c: ChannelModel) => Promise<T>) => withConnection(t.url("app", "app-pw"), fn);
const guest = <T>(fn: (c: ChannelModel) => Promise<T>) => withConnection(t.url("guest", "guest"), fn);

describe("configure", () => {
  it("allows declaring and deleting matching queues and exchanges", async () => {
    await app(async (c) => {
      const ch = await c.createChannel();
      await ch.assertQueue("app.in");
      await ch.assertQueue("app.out");
      await ch.assertQueue("app.tmp");
      await ch.assertExchange("app.x", "direct");
      await ch.deleteQueue("app.tmp");
    });
  });

  it("denies others: queue.declare, queue.delete, exchange.declare, exchange.delete, a server-named queue", async () => {
    await app(async (c) => {
      expect(await refused(c, (ch) => ch.assertQueue("orders"))).toBe("ACCESS_REFUSED - access to queue 'orders' in vhost '/' refused for user 'app'");
      expect(await refused(c, (ch) => ch.deleteQueue("orders"))).toBe("ACCESS_REFUSED - access to queue 'orders' in vhost '/' refused for user 'app'");
      expect(await refused(c, (ch) => ch.assertExchange("logs", "fanout"))).toBe("ACCESS_REFUSED - access to exchange 'logs' in vhost '/' refused for user 'app'");
      expect(await refused(c, (ch) => ch.deleteExchange("amq.fanout"))).toBe("ACCESS_REFUSED - access to exchange 'amq.fanout' in vhost '/' refused for user 'app'");
      expect(await refused(c, (ch) => ch.assertQueue(""))).toMatch(/^ACCESS_REFUSED - access to queue 'amq\.gen-[\w-]+' in vhost '\/' refused for user 'app'$/);
      // A passive declare needs no permission.
      await (await c.createChannel()).checkExchange("amq.fanout");
    });
  });
});

describe("write", () => {
  it("allows publishing to a matching exchange (the default one is amq.default) and binding a matching queue", async () => {
    await app(async (c) => {
      const ch = await c.createConfirmChannel();
      ch.sendToQueue("app.in", Buffer.from("via amq.default"));
      await ch.bindQueue("app.in", "amq.direct", "k");
      await ch.waitForConfirms();
      expect((await ch.checkQueue("app.in")).messageCount).toBe(1);
    });
  });

  it("denies publishing to another exchange, and binding a queue it may not write to", async () => {
    await app(async (c) => {
      expect(
        await refused(c, async (ch) => {
          ch.publish("amq.fanout", "", Buffer.from("x"));
          await new Promise((r) => setTimeout(r, 100));
        }),
      ).toBe("ACCESS_REFUSED - access to exchange 'amq.fanout' in vhost '/' refused for user 'app'");
      expect(await refused(c, (ch) => ch.bindQueue("app.out", "amq.direct", "k"))).toBe(
        "ACCESS_REFUSED - access to queue 'app.out' in vhost '/' refused for user 'app'",
      );
    });
  });
});

describe("read", () => {
  it("allows consuming and getting from a matching queue, and binding from a matching exchange", async () => {
    await guest(async (c) => {
      const ch = await c.createConfirmChannel();
      ch.sendToQueue("app.out", Buffer.from("for app"));
      await ch.waitForConfirms();
    });
    await app(async (c) => {
      const ch = await c.createChannel();
      const got = await ch.get("app.out", { noAck: true });
      expect(got && got.content.toString()).toBe("for app");
      await ch.consume("app.out", () => {});
      await ch.bindQueue("app.in", "amq.direct", "k2");
    });
  });

  it("denies get, consume and purge on another queue, and binding from another exchange", async () => {
    await app(async (c) => {
      const text = "ACCESS_REFUSED - access to queue 'app.in' in vhost '/' refused for user 'app'";
      expect(await refused(c, (ch) => ch.get("app.in"))).toBe(text);
      expect(await refused(c, (ch) => ch.consume("app.in", () => {}))).toBe(text);
      expect(await refused(c, (ch) => ch.purgeQueue("app.in"))).toBe(text);
      expect(await refused(c, (ch) => ch.bindQueue("app.in", "amq.topic", "#"))).toBe(
        "ACCESS_REFUSED - access to exchange 'amq.topic' in vhost '/' refused for user 'app'",
      );
    });
  });
});

describe("exchange-to-exchange bindings", () => {
  it("take write on the destination and read on the source", async () => {
    await app(async (c) => {
      // app.x is writable and readable, amq.direct readable only.
      await (await c.createChannel()).bindExchange("app.x", "amq.direct", "k");
      expect(await refused(c, (ch) => ch.bindExchange("amq.direct", "app.x", "k"))).toBe(
        "ACCESS_REFUSED - access to exchange 'amq.direct' in vhost '/' refused for user 'app'",
      );
    });
  });
});

/**
 * What @amqp-go/auth relies on: an authenticator that answers with a Promise, the names RabbitMQ
 * checks permissions under (amq.default, server-named queues, alternate exchanges), and deleting a
 * vhost or a user's connections with RabbitMQ's 320 texts.
 */
import amqp from "amqplib";
import { describe, expect, it } from "vitest";
import { type Authenticator, GuestAuthenticator, type LoginAttempt, type LoginResult } from "../src/index.js";
import { channel, rejectsWith, sleep, until, useBroker, withConnection, RecordingAuthenticator } from "./helpers.js";
import { RawClient } from "./raw-client.js";

/** guest/guest after a delay, as a slow password hash would; "boom" makes the Promise reject. */
class SlowAuthenticator implements Authenticator {
  readonly mechanisms = ["PLAIN"];
  private readonly guest = new GuestAuthenticator();
  async authenticate(attempt: LoginAttempt): Promise<LoginResult> {
    await sleep(30);
    if (attempt.response.includes("boom")) throw new Error("backend down");
    return this.guest.authenticate(attempt);
  }
  canAccessVhost(): boolean {
    return true;
  }
}

describe("an authenticator that answers with a Promise", () => {
  const t = useBroker({ authenticator: new SlowAuthenticator() });

  it("lets the client in once it resolves", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await c.createChannel();
      await ch.assertQueue("", { exclusive: true });
    });
  });

  it("a refusal is 403 ACCESS_REFUSED, and so is a rejected Promise", async () => {
    for (const password of ["wrong", "boom"]) {
      await expect(amqp.connect(`amqp://guest:${password}@127.0.0.1:${t.port}`)).rejects.toThrow(
        /403 \(ACCESS-REFUSED\) with message "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN/,
      );
    }
  });
});

/** Holds every login until the test answers it: a decision that takes as long as the test wants. */
class GatedAuthenticator implements Authenticator {
  readonly mechanisms = ["PLAIN"];
  /** The answers of the logins being decided, in arrival order. */
  readonly undecided: ((result: LoginResult) => void)[] = [];
  authenticate(): Promise<LoginResult> {
    return new Promise((resolve) => this.undecided.push(resolve));
  }
  canAccessVhost(): boolean {
    return true;
  }
}

describe("a client that hangs up while its login is decided", () => {
  const gate = new GatedAuthenticator();
  const t = useBroker({ authenticator: gate });
  const answers: [string, LoginResult][] = [
    ["accepted", { ok: true, user: "guest" }],
    ["refused", { ok: false, reason: "invalid credentials" }],
  ];

  for (const [answer, result] of answers) {
    it(`gives back its handshake place and never becomes a connection (login ${answer} after it left)`, async () => {
      const b = t.broker;
      const handshaking = b.handshakingConnections;
      const connections = b.connections.size;
      const { connectionsOpened, connectionsClosed } = b.counters;
      const c = await RawClient.connect(t.port);
      await c.start();
      c.startOk();
      await until(() => gate.undecided.length === 1);
      expect(b.handshakingConnections).toBe(handshaking + 1);

      c.destroy();
      await until(() => b.handshakingConnections === handshaking, 2000);

      // The decision arrives after the client left: it must not take a place or open anything.
      gate.undecided.shift()!(result);
      await new Promise<void>((r) => setImmediate(r)); // the broker acts on the answer in a microtask, before this
      expect(b.handshakingConnections).toBe(handshaking);
      expect(b.connections.size).toBe(connections);
      expect(b.counters.connectionsOpened).toBe(connectionsOpened);
      expect(b.counters.connectionsClosed).toBe(connectionsClosed);
    });
  }
});

describe("the names permissions are checked under", () => {
  const auth = new RecordingAuthenticator(["write exchange:amq.default", "write exchange:no-ae-write"]);
  const t = useBroker({ authenticator: auth });

  it("the default exchange is amq.default, in the check and in the 403 text", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      ch.sendToQueue("q", Buffer.from("x"));
      await until(() => ch.closedWith !== undefined);
      expect(ch.closedWith).toEqual({ code: 403, message: expect.stringContaining("access to exchange 'amq.default' in vhost '/' refused for user 'guest'") });
    });
  });

  it("a server-named queue is checked for configure under the amq.gen- name it gets", async () => {
    auth.asked.length = 0;
    await withConnection(t.url, async (c) => {
      const { queue } = await (await c.createChannel()).assertQueue("", { exclusive: true });
      expect(auth.asked).toContain(`configure queue:${queue}`);
    });
  });

  it("declaring an exchange with an alternate exchange takes read on it and write on the AE", async () => {
    auth.asked.length = 0;
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertExchange("with-ae", "fanout", { alternateExchange: "amq.fanout" });
      expect(auth.asked).toEqual(["configure exchange:with-ae", "read exchange:with-ae", "write exchange:amq.fanout"]);
      // Redeclaring an existing exchange does not ask again about the AE, as in RabbitMQ.
      auth.asked.length = 0;
      await ch.assertExchange("with-ae", "fanout", { alternateExchange: "amq.fanout" });
      expect(auth.asked).toEqual(["configure exchange:with-ae"]);
      await rejectsWith((await channel(c)).assertExchange("denied-ae", "fanout", { alternateExchange: "no-ae-write" }), 403);
      await ch.deleteExchange("with-ae");
    });
  });
});

describe("a queue with a dead-letter exchange", () => {
  const auth = new RecordingAuthenticator(["write exchange:no-dlx-write"]);
  const t = useBroker({ authenticator: auth });

  it("takes read on the queue and write on the dead-letter exchange when it is created, as RabbitMQ asks", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      await ch.assertQueue("with-dlx", { arguments: { "x-dead-letter-exchange": "amq.fanout" } });
      expect(auth.asked).toEqual(["configure queue:with-dlx", "read queue:with-dlx", "write exchange:amq.fanout"]);
      auth.asked.length = 0;
      await ch.assertQueue("with-dlx", { arguments: { "x-dead-letter-exchange": "amq.fanout" } });
      expect(auth.asked).toEqual(["configure queue:with-dlx"]);
      await rejectsWith((await channel(c)).assertQueue("denied-dlx", { arguments: { "x-dead-letter-exchange": "no-dlx-write" } }), 403);
      expect(t.broker.vhosts.get("/")!.queues.has("denied-dlx")).toBe(false);
      await ch.deleteQueue("with-dlx");
    });
  });
});

describe("deleting a vhost, closing a user's connections", () => {
  const t = useBroker();

  it("removeVhost closes the vhost's connections with 320 'vhost ... is deleted' and drops its queues", async () => {
    t.broker.addVhost("doomed");
    const doomed = await amqp.connect(`${t.url}/doomed`);
    const other = await amqp.connect(t.url);
    const closed = new Promise<Error & { code?: number }>((resolve) => doomed.on("close", resolve));
    doomed.on("error", () => {});
    const ch = await doomed.createConfirmChannel();
    await ch.assertQueue("held");
    ch.sendToQueue("held", Buffer.alloc(1000));
    await ch.waitForConfirms();
    expect(t.broker.memory.bytes).toBeGreaterThan(1000);

    expect(t.broker.removeVhost("doomed")).toBe(true);
    const err = await closed;
    expect(err.code).toBe(320);
    expect(err.message).toContain("CONNECTION_FORCED - vhost 'doomed' is deleted");
    expect(t.broker.vhosts.has("doomed")).toBe(false);
    expect(t.broker.memory.bytes).toBe(0);
    // Other vhosts' connections stay; the vhost is gone for new ones (connection.close 530 NOT_ALLOWED).
    await (await other.createChannel()).checkExchange("amq.direct");
    await expect(amqp.connect(`${t.url}/doomed`)).rejects.toThrow(/Expected ConnectionOpenOk; got <ConnectionClose/);
    await other.close();
    expect(t.broker.removeVhost("doomed")).toBe(false);
  });

  it("closeConnectionsOf closes a user's connections with 320 'user ... is deleted'", async () => {
    const c = await amqp.connect(t.url);
    c.on("error", () => {});
    const closed = new Promise<Error & { code?: number }>((resolve) => c.on("close", resolve));
    expect(t.broker.closeConnectionsOf("nobody")).toBe(0);
    expect(t.broker.closeConnectionsOf("guest")).toBe(1);
    const err = await closed;
    expect(err.code).toBe(320);
    expect(err.message).toContain("CONNECTION_FORCED - user 'guest' is deleted");
  });
});

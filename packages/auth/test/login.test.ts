/**
 * Logins over a real socket with amqplib: each SASL mechanism, each way a login is refused, vhost
 * access, guest from a non-loopback address, the failed-login limit, and update-secret.
 */
import { networkInterfaces } from "node:os";
import amqp from "amqplib";
import { describe, expect, it } from "vitest";
import { anonymous, amqplain, LoginRateLimiter, MechanismRegistry, plain, rabbitPasswordHash, UserDb, UsersAuthenticator } from "../src/index.js";
import { hash, LOGIN_REFUSED, sleep, usersFile, useServer, withConnection } from "./helpers.js";

const all = { configure: ".*", write: ".*", read: ".*" };
const file = usersFile({
  users: [
    { name: "alice", ...hash("alice-pw"), tags: ["administrator"] },
    // Imported from RabbitMQ as exported (password "1").
    { name: "legacy", hashing_algorithm: "rabbit_password_hashing_sha256", password_hash: "y4xPTRVfzXg68sz9ALqeQzARam3CwnGo53xS752cDV5+Utzh", tags: [] },
    { name: "nopass", hashing_algorithm: "scrypt", password_hash: "", tags: [] },
    { name: "visitor", ...hash("unused"), tags: [] },
  ],
  vhosts: [{ name: "orders" }, { name: "closed" }],
  permissions: [
    { user: "alice", vhost: "/", ...all },
    { user: "alice", vhost: "orders", ...all },
    { user: "legacy", vhost: "/", ...all },
    { user: "visitor", vhost: "/", ...all },
  ],
});

const t = useServer(file, {
  mechanisms: new MechanismRegistry([plain, amqplain, anonymous("visitor")]),
  rateLimit: { maxFailures: 1000, windowMs: 60_000 },
});

/** The reason the broker logged for the last refused login. */
const lastRefusal = () => t.log.entries.filter((e) => e.msg === "login refused").at(-1)?.reason;

describe("SASL mechanisms", () => {
  it("offers PLAIN, AMQPLAIN and the registered ANONYMOUS in connection.start", () => {
    expect(t.authenticator.mechanisms).toEqual(["PLAIN", "AMQPLAIN", "ANONYMOUS"]);
  });

  it("PLAIN logs in with the password checked against the scrypt hash", async () => {
    await withConnection(t.url("alice", "alice-pw"), async (c) => {
      await (await c.createChannel()).assertQueue("", { exclusive: true });
    });
    expect(t.log.entries.find((e) => e.msg === "connection open" && e.user === "alice")).toBeDefined();
  });

  it("AMQPLAIN logs in the same user", async () => {
    await withConnection(t.url("", ""), async (c) => void (await c.createChannel()), { credentials: amqp.credentials.amqplain("alice", "alice-pw") });
  });

  it("ANONYMOUS logs in as the configured user", async () => {
    const credentials = { mechanism: "ANONYMOUS", response: () => Buffer.alloc(0) };
    await withConnection(t.url("", ""), async (c) => void (await c.createChannel()), { credentials });
    expect(t.log.entries.filter((e) => e.msg === "connection open").at(-1)).toMatchObject({ user: "visitor" });
  });

  it("a hash imported from RabbitMQ (salted SHA-256) logs in", async () => {
    await withConnection(t.url("legacy", "1"), async (c) => void (await c.createChannel()));
  });
});

describe("refused logins", () => {
  it("a wrong password: 403 ACCESS_REFUSED, logged as invalid credentials without the password", async () => {
    await expect(amqp.connect(t.url("alice", "not-alices-password"))).rejects.toThrow(LOGIN_REFUSED);
    expect(lastRefusal()).toBe("user 'alice' - invalid credentials");
    await expect(amqp.connect(t.url("", ""), { credentials: amqp.credentials.amqplain("alice", "wrong-amqplain-pw") })).rejects.toThrow(/mechanism AMQPLAIN/);
    expect(JSON.stringify(t.log.entries)).not.toMatch(/not-alices-password|wrong-amqplain-pw/);
  });

  it("an unknown user gets the same answer as a wrong password", async () => {
    await expect(amqp.connect(t.url("mallory", "whatever-pw"))).rejects.toThrow(LOGIN_REFUSED);
    expect(lastRefusal()).toBe("user 'mallory' - invalid credentials");
  });

  it("a blank password is refused, as RabbitMQ's internal backend does", async () => {
    await expect(amqp.connect(t.url("nopass", ""))).rejects.toThrow(LOGIN_REFUSED);
    expect(lastRefusal()).toBe("user 'nopass' attempted to log in with a blank password");
  });

  it("EXTERNAL is not offered unless registered", async () => {
    await expect(amqp.connect(t.url("", ""), { credentials: amqp.credentials.external() })).rejects.toThrow(
      "SASL mechanism EXTERNAL is not provided by the server",
    );
  });

  it("an unknown vhost: 530 NOT_ALLOWED 'vhost ... not found'", async () => {
    await expect(amqp.connect(t.url("alice", "alice-pw", "nowhere"))).rejects.toThrow(/ConnectionClose/);
    expect(t.log.entries.filter((e) => e.msg === "connection error").at(-1)).toMatchObject({ replyCode: 530, replyText: "NOT_ALLOWED - vhost nowhere not found" });
  });

  it("a vhost the user has no permissions on: 530 'access to vhost ... refused'", async () => {
    await expect(amqp.connect(t.url("alice", "alice-pw", "closed"))).rejects.toThrow(/ConnectionClose/);
    expect(t.log.entries.filter((e) => e.msg === "connection error").at(-1)).toMatchObject({
      replyCode: 530,
      replyText: "NOT_ALLOWED - access to vhost 'closed' refused for user 'alice'",
    });
    // With permissions there, the same user opens it.
    await withConnection(t.url("alice", "alice-pw", "orders"), async (c) => void (await c.createChannel()));
  });
});

describe("guest from a non-loopback address", () => {
  // The address check is injected: every client looks remote.
  const remote = useServer(file, { isLoopback: () => false, rateLimit: { maxFailures: 0, windowMs: 1 } });

  it("is refused ('can only connect via localhost'); other users are not", async () => {
    await expect(amqp.connect(remote.url("guest", "guest"))).rejects.toThrow(LOGIN_REFUSED);
    expect(remote.log.entries.filter((e) => e.msg === "login refused").at(-1)?.reason).toBe("user 'guest' - can only connect via localhost");
    await withConnection(remote.url("alice", "alice-pw"), async (c) => void (await c.createChannel()));
  });

  it("loopback_users [] lets guest in from anywhere", async () => {
    const a = new UsersAuthenticator({ db: new UserDb(file), isLoopback: () => false, loopbackUsers: [] });
    const r = await a.authenticate({ mechanism: "PLAIN", response: Buffer.from("\0guest\0guest"), remoteAddress: "203.0.113.9" });
    expect(r).toEqual({ ok: true, user: "guest" });
  });

  it("setLoopbackUsers changes the list for the next login (a reloaded config)", async () => {
    const a = new UsersAuthenticator({ db: new UserDb(file), isLoopback: () => false });
    const guest = { mechanism: "PLAIN", response: Buffer.from("\0guest\0guest"), remoteAddress: "203.0.113.9" };
    expect(await a.authenticate(guest)).toMatchObject({ ok: false });
    a.setLoopbackUsers([]);
    expect(await a.authenticate(guest)).toEqual({ ok: true, user: "guest" });
    a.setLoopbackUsers(["guest"]);
    expect(await a.authenticate(guest)).toMatchObject({ ok: false });
  });

  // And for real, when this machine has an address besides loopback.
  const address = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && !i.internal && i.family === "IPv4")?.address;
  describe.skipIf(address === undefined)(`over a real address (${address})`, () => {
    const real = useServer(file, { rateLimit: { maxFailures: 0, windowMs: 1 } }, address);
    it("refuses guest but not alice", async () => {
      await expect(amqp.connect(real.url("guest", "guest"))).rejects.toThrow(LOGIN_REFUSED);
      expect(real.log.entries.filter((e) => e.msg === "login refused").at(-1)).toMatchObject({
        reason: "user 'guest' - can only connect via localhost",
        remote: expect.stringContaining(address!),
      });
      await withConnection(real.url("alice", "alice-pw"), async (c) => void (await c.createChannel()));
    });
  });
});

describe("the failed-login limit", () => {
  let now = 0;
  const limiter = new LoginRateLimiter({ maxFailures: 3, windowMs: 60_000 }, () => now);
  const limited = useServer(file, { rateLimit: limiter });

  it("after 3 failures slows the address down but still lets the right password in; the count then starts over", async () => {
    for (const password of ["guess-1", "guess-2", "guess-3"]) await expect(amqp.connect(limited.url("alice", password))).rejects.toThrow(LOGIN_REFUSED);
    expect(limited.log.entries.filter((e) => e.msg === "too many failed logins: slowing down logins from this address")).toEqual([
      expect.objectContaining({ level: "warn", address: "127.0.0.1", failures: 3 }),
    ]);
    expect(limiter.delayFor("127.0.0.1")).toBe(250);
    // The right password from the same address gets in (on main it was refused for 60 s), after the delay.
    const t0 = performance.now();
    await withConnection(limited.url("alice", "alice-pw"), async (c) => void (await c.createChannel()));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(240);
    expect(limiter.delayFor("127.0.0.1")).toBe(0);
    expect(JSON.stringify(limited.log.entries)).not.toMatch(/guess-\d|alice-pw/);
  });

  it("wrong passwords past the limit are still refused, each after a longer wait", async () => {
    now += 120_000;
    for (const password of ["guess-4", "guess-5", "guess-6", "guess-7"]) await expect(amqp.connect(limited.url("alice", password))).rejects.toThrow(LOGIN_REFUSED);
    expect(limiter.delayFor("127.0.0.1")).toBe(500);
    const t0 = performance.now();
    await expect(amqp.connect(limited.url("alice", "guess-8"))).rejects.toThrow(LOGIN_REFUSED);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(490);
    expect(limiter.delayFor("127.0.0.1")).toBe(1000);
  });
});

describe("connection.update-secret", () => {
  it("is answered with update-secret-ok, as RabbitMQ does for its internal users (their secret does not expire)", async () => {
    await withConnection(t.url("alice", "alice-pw"), async (c) => {
      await c.updateSecret(Buffer.from("new-secret"), "rotation");
      await (await c.createChannel()).checkExchange("amq.direct");
    });
  });
});

describe("reloading", () => {
  it("update() swaps the users: a new user logs in, a removed one is refused", async () => {
    const a = new UsersAuthenticator({ db: new UserDb(file) });
    const login = (user: string, password: string) =>
      Promise.resolve(a.authenticate({ mechanism: "PLAIN", response: Buffer.from(`\0${user}\0${password}`), remoteAddress: "127.0.0.1" }));
    expect(await login("dave", "dave-pw")).toMatchObject({ ok: false });
    a.update(new UserDb(usersFile({ users: [{ name: "dave", ...rabbitPasswordHash("dave-pw"), tags: [] }] })));
    expect(await login("dave", "dave-pw")).toEqual({ ok: true, user: "dave" });
    expect(await login("alice", "alice-pw")).toMatchObject({ ok: false });
  });

  it("a user removed while their password is being checked is refused", async () => {
    const a = new UsersAuthenticator({ db: new UserDb(file) });
    const pending = a.authenticate({ mechanism: "PLAIN", response: Buffer.from("\0alice\0alice-pw"), remoteAddress: "127.0.0.1" });
    a.update(new UserDb(usersFile({})));
    expect(await pending).toEqual({ ok: false, reason: "user 'alice' - invalid credentials" });
    await sleep(0);
  });
});

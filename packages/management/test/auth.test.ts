/**
 * HTTP basic auth and RabbitMQ's user tags, as RabbitMQ 3.10 answers them: 401 with the realm for
 * no credentials, "not_authorized"/"Login failed" for wrong ones, "not_authorised" and the tag the
 * route needs for a user without it, and vhost permissions filtering what non-monitors see.
 */
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Harness, startHarness } from "./helpers.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.call("PUT", "/api/queues/other/hidden", { body: { durable: false } });
  await h.call("PUT", "/api/queues/%2F/visible", { body: { durable: false } });
});
afterAll(() => h.close());

describe("credentials", () => {
  test("none: 401 with the realm and no body", async () => {
    const r = await h.call("GET", "/api/overview", { user: "" });
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toBe('Basic realm="RabbitMQ Management"');
    expect(r.body).toBeUndefined();
  });

  test("wrong password and unknown user: the same 401 Login failed", async () => {
    for (const o of [{ user: "guest", password: "nope" }, { user: "nobody", password: "x" }]) {
      const r = await h.call("GET", "/api/overview", o);
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: "not_authorized", reason: "Login failed" });
    }
  });

  test("a malformed Authorization header is 400", async () => {
    const r = await h.call("GET", "/api/overview", { user: "", headers: { authorization: "Bearer x" } });
    expect(r.status).toBe(400);
  });

  test("unknown path 404 and wrong method 405 come before credentials", async () => {
    expect((await h.call("GET", "/api/nothing", { user: "" })).status).toBe(404);
    expect((await h.call("POST", "/api/overview", { user: "" })).status).toBe(405);
  });
});

describe("tags", () => {
  // [route, the weakest tag that may use it, RabbitMQ's reason for the others]
  const cases: [string, string, string][] = [
    ["/api/overview", "management", "Not management user"],
    ["/api/queues", "management", "Not management user"],
    ["/api/nodes", "monitoring", "Not monitor user"],
    ["/api/users", "administrator", "Not administrator user"],
    ["/api/definitions", "administrator", "Not administrator user"],
    ["/api/permissions", "administrator", "Not administrator user"],
  ];
  const rank: Record<string, number> = { none: 0, management: 1, policymaker: 2, monitoring: 3, administrator: 4 };
  for (const [path, needs, reason] of cases) {
    for (const tag of ["none", "management", "policymaker", "monitoring", "administrator"]) {
      const allowed = tag === "policymaker" ? needs === "management" || needs === "policymaker" : rank[tag]! >= rank[needs]!;
      test(`${tag} on ${path}: ${allowed ? 200 : 401}`, async () => {
        const r = await h.call("GET", path, { user: `u-${tag}` });
        expect(r.status).toBe(allowed ? 200 : 401);
        if (!allowed) expect(r.body).toEqual({ error: "not_authorised", reason: tag === "none" ? "Not management user" : reason });
      });
    }
  }

  test("whoami tells the user its tags", async () => {
    expect((await h.call("GET", "/api/whoami", { user: "u-monitoring" })).body).toEqual({ name: "u-monitoring", tags: ["monitoring"] });
  });
});

describe("vhost permissions filter what non-monitors see", () => {
  test("a management user sees only the vhosts it has permissions on", async () => {
    const names = (await h.call("GET", "/api/queues", { user: "u-management" })).body.map((q: { name: string }) => q.name);
    expect(names).toEqual(["visible"]);
    expect((await h.call("GET", "/api/vhosts", { user: "u-management" })).body.map((v: { name: string }) => v.name)).toEqual(["/"]);
  });

  test("monitoring sees every vhost", async () => {
    const names = (await h.call("GET", "/api/queues", { user: "u-monitoring" })).body.map((q: { name: string }) => q.name).sort();
    expect(names).toEqual(["hidden", "visible"]);
  });

  test("another vhost is 401 'User not authorised to access virtual host'", async () => {
    const r = await h.call("GET", "/api/queues/other", { user: "u-management" });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: "not_authorised", reason: "User not authorised to access virtual host" });
  });

  test("a monitoring user may read but not declare in a vhost it has no permissions on", async () => {
    expect((await h.call("GET", "/api/queues/other/hidden", { user: "u-monitoring" })).status).toBe(200);
    const r = await h.call("PUT", "/api/queues/other/new", { user: "u-monitoring", body: {} });
    expect(r.status).toBe(401);
    expect(r.body.reason).toBe("User not authorised to access virtual host");
  });

  test("permission regexes apply as over AMQP: 401 Access refused.", async () => {
    await h.call("PUT", "/api/users/limited", { body: { password: "pw", tags: "management" } });
    await h.call("PUT", "/api/permissions/%2F/limited", { body: { configure: "^mine-", write: ".*", read: ".*" } });
    expect((await h.call("PUT", "/api/queues/%2F/mine-q", { user: "limited", body: {} })).status).toBe(201);
    const r = await h.call("PUT", "/api/queues/%2F/theirs", { user: "limited", body: {} });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: "not_authorised", reason: "Access refused." });
  });

  test("a management user sees its own connections only; monitoring sees all", async () => {
    const mine = await amqp.connect(`amqp://u-management:pw@127.0.0.1:${h.amqpPort}`);
    const guests = await amqp.connect(`amqp://guest:guest@127.0.0.1:${h.amqpPort}`);
    try {
      const own = (await h.call("GET", "/api/connections", { user: "u-management" })).body;
      expect(own.map((c: { user: string }) => c.user)).toEqual(["u-management"]);
      const all = (await h.call("GET", "/api/connections", { user: "u-monitoring" })).body;
      expect(all.map((c: { user: string }) => c.user).sort()).toEqual(["guest", "u-management"]);
    } finally {
      await mine.close();
      await guests.close();
    }
  });
});

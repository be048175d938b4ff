/**
 * The web UI's files on the management port (cache headers, content types, gzip), and what keeps
 * other sites' pages from using a logged-in browser: cross-origin writes refused, and no browser
 * login dialog for the UI's own requests.
 */
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Harness, startHarness } from "./helpers.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe("static files", () => {
  test("/ is index.html, no-cache, with a CSP; the hashed assets it names are immutable, gzipped on request", async () => {
    const index = await fetch(`${h.base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(index.headers.get("x-frame-options")).toBe("DENY");
    const html = await index.text();
    expect(html).toContain('<div id="app"></div>');
    const assets = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    expect(assets.some((a) => a.endsWith(".css"))).toBe(true);
    for (const a of assets) {
      expect(a).toMatch(/-[A-Za-z0-9_-]{8}\.(js|css)$/);
      const plain = await fetch(`${h.base}/${a}`, { headers: { "accept-encoding": "identity" } });
      expect(plain.status).toBe(200);
      expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(plain.headers.get("content-type")).toBe(a.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8");
      expect(plain.headers.get("content-encoding")).toBeNull();
      const body = Buffer.from(await plain.arrayBuffer());
      // node's fetch would decompress: ask with node:http semantics by reading the raw gzip length
      const zipped = await rawGet(`/${a}`, "gzip");
      expect(zipped.headers["content-encoding"]).toBe("gzip");
      expect(zipped.body.length).toBeLessThan(body.length);
      expect(gunzipSync(zipped.body).equals(body)).toBe(true);
    }
  });

  test("index.html and HEAD; an unknown path stays the API's 404", async () => {
    expect((await fetch(`${h.base}/index.html`)).status).toBe(200);
    const head = await fetch(`${h.base}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const missing = await fetch(`${h.base}/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "Object Not Found", reason: "Not Found" });
    expect((await fetch(`${h.base}/`, { method: "POST" })).status).toBe(404);
  });
});

async function rawGet(path: string, encoding: string): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { get } = await import("node:http");
  return new Promise((resolve, reject) => {
    get(`${h.base}${path}`, { headers: { "accept-encoding": encoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on("error", reject);
  });
}

describe("cross-site requests", () => {
  const publish = { routing_key: "ui-csrf", payload: "x", payload_encoding: "string", properties: {} };

  test("a form posted from another site's page is refused (403) and changes nothing", async () => {
    expect((await h.call("PUT", "/api/queues/%2F/ui-csrf", { body: { durable: false } })).status).toBe(201);
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const foreign = await h.call("POST", "/api/exchanges/%2F/amq.default/publish", { body: publish, headers: { ...form, origin: "http://evil.example" } });
    expect(foreign).toMatchObject({ status: 403, body: { error: "forbidden" } });
    const site = await h.call("DELETE", "/api/queues/%2F/ui-csrf", { headers: { "sec-fetch-site": "cross-site" } });
    expect(site.status).toBe(403);
    // same host, other port: another origin
    const port = await h.call("DELETE", "/api/queues/%2F/ui-csrf", { headers: { origin: "http://127.0.0.1:1" } });
    expect(port.status).toBe(403);
    expect((await h.call("PUT", "/api/users/ui-evil", { body: { password: "x", tags: "administrator" }, headers: { origin: "null" } })).status).toBe(403);
    expect((await h.call("GET", "/api/users/ui-evil")).status).toBe(404);
    expect((await h.call("GET", "/api/queues/%2F/ui-csrf")).body.messages).toBe(0);
  });

  test("the UI's own origin and tools that send no Origin (curl -d, rabbitmqadmin) are served", async () => {
    const own = new URL(h.base).origin;
    const r = await h.call("POST", "/api/exchanges/%2F/amq.default/publish", { body: publish, headers: { origin: own, "sec-fetch-site": "same-origin" } });
    expect(r).toMatchObject({ status: 200, body: { routed: true } });
    const curl = await h.call("POST", "/api/exchanges/%2F/amq.default/publish", { body: publish, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(curl).toMatchObject({ status: 200, body: { routed: true } });
    // reads are not refused: a cross-origin page cannot read the answer anyway (no CORS headers)
    expect((await h.call("GET", "/api/queues/%2F/ui-csrf", { headers: { origin: "http://evil.example" } })).body.messages).toBe(2);
    expect((await h.call("DELETE", "/api/queues/%2F/ui-csrf", { headers: { origin: own } })).status).toBe(204);
  });

  test("requests with X-Requested-With get a 401 without WWW-Authenticate (no browser login dialog)", async () => {
    const none = await h.call("GET", "/api/overview", { user: "", headers: { "x-requested-with": "XMLHttpRequest" } });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBeNull();
    const wrong = await h.call("GET", "/api/overview", { password: "nope", headers: { "x-requested-with": "XMLHttpRequest" } });
    expect(wrong).toMatchObject({ status: 401, body: { error: "not_authorized", reason: "Login failed" } });
    expect(wrong.headers.get("www-authenticate")).toBeNull();
    // without it, as RabbitMQ: the realm is named
    expect((await h.call("GET", "/api/overview", { password: "nope" })).headers.get("www-authenticate")).toBe('Basic realm="RabbitMQ Management"');
  });
});

/**
 * Debian's rabbitmqadmin (the management plugin's own CLI, /usr/bin/rabbitmqadmin), unchanged,
 * against our API: listing, declaring, publishing, getting, exporting and importing definitions.
 * Where it is not installed (.ci/run takes it out of the rabbitmq-server .deb when apt can fetch it and
 * sets RABBITMQADMIN), one test says so and checks nothing else.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Harness, startHarness } from "./helpers.js";

const RABBITMQADMIN = process.env.RABBITMQADMIN ?? "/usr/bin/rabbitmqadmin";
const present = existsSync(RABBITMQADMIN);
const run = promisify(execFile);

if (!present) {
  test("rabbitmqadmin is not installed: its tests do not run", () => {
    console.warn(`${RABBITMQADMIN} not found (apt-get install rabbitmq-server provides it): the rabbitmqadmin tests did not run`);
    expect(existsSync(RABBITMQADMIN)).toBe(false);
  });
}

// only where it is installed (describe.runIf would count the tests as skipped where it is not)
// Each rabbitmqadmin call starts a python3 process (0.5-2 s on a loaded 2-core machine): a test makes ~15.
if (present) describe("rabbitmqadmin against our API", { timeout: 120_000 }, () => {
  let h: Harness;
  const admin = async (...args: string[]): Promise<string> => {
    const port = String(h.management.port);
    const { stdout } = await run("python3", [RABBITMQADMIN, "-H", "127.0.0.1", "-P", port, "-u", "guest", "-p", "guest", ...args], { timeout: 20_000 });
    return stdout;
  };
  const json = async (...args: string[]) => JSON.parse(await admin("-f", "raw_json", ...args));

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  test("declare, list, publish, get, delete", async () => {
    expect(await admin("declare", "exchange", "name=ra-x", "type=fanout", "durable=false")).toContain("exchange declared");
    expect(await admin("declare", "queue", "name=ra-q", "durable=false", 'arguments={"x-max-length": 10}')).toContain("queue declared");
    expect(await admin("declare", "binding", "source=ra-x", "destination=ra-q", "routing_key=k")).toContain("binding declared");
    expect(await admin("publish", "exchange=ra-x", "routing_key=k", "payload=hello")).toContain("Message published");
    const queues = await json("list", "queues", "name", "messages", "arguments");
    expect(queues).toContainEqual({ name: "ra-q", messages: 1, arguments: { "x-max-length": 10 } });
    const got = await json("get", "queue=ra-q", "ackmode=ack_requeue_false");
    expect(got).toEqual([expect.objectContaining({ payload: "hello", routing_key: "k", exchange: "ra-x", message_count: 0 })]);
    expect((await json("list", "queues", "name", "messages")).find((q: { name: string }) => q.name === "ra-q").messages).toBe(0);
    const bindings = await json("list", "bindings", "source", "destination", "routing_key");
    expect(bindings).toContainEqual({ source: "ra-x", destination: "ra-q", routing_key: "k" });
    expect((await json("list", "exchanges", "name", "type")).map((e: { name: string }) => e.name)).toContain("ra-x");
    expect(await admin("list", "vhosts", "name")).toContain("other");
    expect(await admin("show", "overview")).toContain("3.10.8");
    expect(await admin("list", "nodes")).toContain(h.management.api.node);
    expect(await admin("delete", "queue", "name=ra-q")).toContain("queue deleted");
    expect((await json("list", "queues", "name")).map((q: { name: string }) => q.name)).not.toContain("ra-q");
  });

  test("users and permissions", async () => {
    expect(await admin("declare", "user", "name=ra-user", "password=pw", "tags=monitoring")).toContain("user declared");
    expect(await admin("declare", "permission", "vhost=/", "user=ra-user", "configure=.*", "write=.*", "read=.*")).toContain("permission declared");
    expect(await json("list", "users", "name", "tags")).toContainEqual({ name: "ra-user", tags: ["monitoring"] });
    expect(await json("list", "permissions", "user", "vhost")).toContainEqual({ user: "ra-user", vhost: "/" });
    expect(await admin("delete", "user", "name=ra-user")).toContain("user deleted");
  });

  test("policies: declare, list, applied to a queue, delete", async () => {
    await admin("declare", "queue", "name=ra-pol-q", "durable=false", 'arguments={"x-max-length": 10}');
    const declared = await admin("declare", "policy", "name=ra-pol", "pattern=^ra-pol-", 'definition={"message-ttl": 500, "max-length": 3}', "priority=2", "apply-to=queues");
    expect(declared).toContain("policy declared");
    expect(await json("list", "policies", "name", "pattern", "apply-to", "definition", "priority")).toContainEqual({
      name: "ra-pol",
      pattern: "^ra-pol-",
      "apply-to": "queues",
      definition: { "max-length": 3, "message-ttl": 500 },
      priority: 2,
    });
    expect(await json("list", "queues", "name", "policy")).toContainEqual({ name: "ra-pol-q", policy: "ra-pol" });
    expect(h.broker.vhosts.get("/")!.queues.get("ra-pol-q")!.args).toMatchObject({ maxLength: 3, messageTtl: 500 });
    expect(await admin("delete", "policy", "name=ra-pol")).toContain("policy deleted");
    expect(h.broker.vhosts.get("/")!.queues.get("ra-pol-q")!.args).toMatchObject({ maxLength: 10, messageTtl: -1 });
    await admin("delete", "queue", "name=ra-pol-q");
  });

  test("export and import definitions", async () => {
    await admin("declare", "queue", "name=ra-durable", "durable=true");
    await admin("declare", "exchange", "name=ra-topic", "type=topic");
    await admin("declare", "binding", "source=ra-topic", "destination=ra-durable", "routing_key=a.*");
    const file = join(mkdtempSync(join(tmpdir(), "rabbitmqadmin-")), "defs.json");
    expect(await admin("export", file)).toContain("Exported definitions");
    const defs = JSON.parse(readFileSync(file, "utf8"));
    expect(defs.queues).toContainEqual({ name: "ra-durable", vhost: "/", durable: true, auto_delete: false, arguments: {} });

    const other = await startHarness();
    try {
      const port = String(other.management.port);
      const { stdout } = await run("python3", [RABBITMQADMIN, "-H", "127.0.0.1", "-P", port, "-u", "guest", "-p", "guest", "import", file], { timeout: 20_000 });
      expect(stdout).toContain("Uploaded definitions");
      const bindings = (await other.call("GET", "/api/bindings/%2F/e/ra-topic/q/ra-durable")).body;
      expect(bindings).toEqual([expect.objectContaining({ routing_key: "a.*" })]);
    } finally {
      await other.close();
    }
  });
});

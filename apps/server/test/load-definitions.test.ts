/**
 * load_definitions at boot: a definitions file exported from RabbitMQ 3.10
 * (fixtures/rabbitmq-3.10-definitions.json, made by fixtures/record-definitions.mjs) is imported
 * once recovery is done and before clients are accepted; its users log in, its topology routes
 * over AMQP and its policy applies. Loading it again at the next start changes nothing; what
 * cannot be applied is named in the log line; a file that cannot be read stops the start.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import amqp from "amqplib";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/errors.js";
import { type RunningServer, startServer } from "../src/server.js";
import { freePort } from "./helpers.js";

const fixture = fileURLToPath(new URL("./fixtures/rabbitmq-3.10-definitions.json", import.meta.url));
type Line = Record<string, unknown> & { level: number; msg: string };

async function start(dataDir: string, file: string, managementPort = 0): Promise<{ server: RunningServer; lines: Line[] }> {
  const lines: Line[] = [];
  const destination = { write: (s: string) => void lines.push(JSON.parse(s) as Line) };
  const args = ["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", String(managementPort), "--data-dir", dataDir, "--load-definitions", file];
  const server = await startServer(args, {}, { destination });
  if (server.kind !== "running") throw new Error("expected a running server");
  return { server, lines };
}

const loaded = (lines: Line[]) => lines.filter((l) => l.msg.startsWith("definitions loaded from"));

describe("load_definitions", () => {
  it("imports a RabbitMQ export at start, before the listeners, and its topology works over AMQP", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "load-definitions-"));
    const managementPort = await freePort();
    const { server, lines } = await start(dataDir, fixture, managementPort);
    try {
      const [line] = loaded(lines);
      expect(line).toMatchObject({
        level: 30,
        file: fixture,
        msg: `definitions loaded from ${fixture}: 2 users, 2 vhosts, 2 permissions, 1 policies, 3 exchanges, 3 queues, 4 bindings, 1 global parameters`,
      });
      expect(line).not.toHaveProperty("notApplied");
      const order = lines.map((l) => l.msg);
      expect(order.indexOf(line!.msg)).toBeLessThan(order.indexOf("listening"));

      // RabbitMQ's sha256 hash of the user's password logs in, with the permissions it was given.
      const conn = await amqp.connect(`amqp://boot-app:boot-secret@127.0.0.1:${server.port}/boot-v`);
      try {
        const ch = await conn.createConfirmChannel();
        ch.on("error", () => {}); // the refused redeclare below closes it
        ch.publish("boot-events", "order.1", Buffer.from("order"), { persistent: true });
        ch.publish("boot-events", "audit.1", Buffer.from("audit"), { persistent: true });
        await ch.waitForConfirms();
        expect((await ch.get("boot-orders", { noAck: true }) || undefined)?.content.toString()).toBe("order");
        // topic -> fanout (an exchange-to-exchange binding) -> queue; the order went there too.
        const audit = [(await ch.get("boot-audit", { noAck: true })) || undefined, (await ch.get("boot-audit", { noAck: true })) || undefined].map((m) => m?.content.toString());
        expect(audit.sort()).toEqual(["audit", "order"]);
        // max-length and the dead-letter exchange came as queue arguments: an inequivalent redeclare is refused.
        await expect(ch.assertQueue("boot-orders", { durable: true })).rejects.toThrow(/406/);
      } finally {
        await conn.close().catch(() => {});
      }
      const auth = { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}` };
      const queue = (await (await fetch(`http://127.0.0.1:${managementPort}/api/queues/boot-v/boot-audit`, { headers: auth })).json()) as { policy: string; effective_policy_definition: unknown };
      expect(queue.policy).toBe("boot-ttl");
      expect(queue.effective_policy_definition).toEqual({ "message-ttl": 60000 });
      const label = await (await fetch(`http://127.0.0.1:${managementPort}/api/global-parameters/boot-cluster-label`, { headers: auth })).json();
      expect(label).toEqual({ value: "east", name: "boot-cluster-label" });
    } finally {
      await server.stop();
    }

    // The next start loads the same file again: nothing changes, durable messages stay.
    const again = await start(dataDir, fixture);
    try {
      expect(loaded(again.lines)).toHaveLength(1);
      expect(loaded(again.lines)[0]).not.toHaveProperty("notApplied");
      const conn = await amqp.connect(`amqp://boot-app:boot-secret@127.0.0.1:${again.server.port}/boot-v`);
      const ch = await conn.createChannel();
      ch.publish("boot-events", "order.2", Buffer.from("kept"), { persistent: true });
      await new Promise((r) => setTimeout(r, 50));
      expect((await ch.checkQueue("boot-orders")).messageCount).toBe(1);
      await conn.close();
    } finally {
      await again.server.stop();
    }
    const users = JSON.parse(readFileSync(join(dataDir, "users.json"), "utf8")) as { users: { name: string }[] };
    expect(users.users.map((u) => u.name).sort()).toEqual(["boot-app", "guest"]);
  });

  it("names in its log line whatever it could not apply, and starts anyway", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "load-definitions-"));
    const file = join(dataDir, "partial.json");
    writeFileSync(
      file,
      JSON.stringify({
        queues: [{ name: "boot-ok", vhost: "/", durable: true, auto_delete: false, arguments: {} }],
        bindings: [{ source: "amq.direct", vhost: "/", destination: "boot-missing", destination_type: "queue", routing_key: "k", arguments: {} }],
        parameters: [{ value: { uri: "amqp://elsewhere" }, vhost: "/", component: "federation-upstream", name: "up" }],
        topic_permissions: [{ user: "guest", vhost: "/", exchange: "amq.topic", write: ".*", read: ".*" }],
      }),
    );
    const { server, lines } = await start(dataDir, file);
    try {
      const [line] = loaded(lines);
      expect(line).toMatchObject({ level: 40, msg: `definitions loaded from ${file}: 1 queues; 3 could not be applied` });
      expect(line!.notApplied).toEqual([
        "binding of queue 'boot-missing' to exchange 'amq.direct' in vhost '/': no queue 'boot-missing'",
        "parameter 'up' of component 'federation-upstream' in vhost '/': component federation-upstream not found",
        "1 topic_permissions not imported: amqp-go has no topic permissions yet",
      ]);
      const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${server.port}`);
      expect((await (await conn.createChannel()).checkQueue("boot-ok")).queue).toBe("boot-ok");
      await conn.close();
    } finally {
      await server.stop();
    }
  });

  it("stops the start, in one line, when the file cannot be read or is not a definitions file", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "load-definitions-"));
    const missing = join(dataDir, "missing.json");
    await expect(start(dataDir, missing)).rejects.toThrow(new ConfigError(`server.load_definitions ${missing}: cannot read the file (ENOENT)`));
    const notDefinitions = join(dataDir, "list.json");
    writeFileSync(notDefinitions, "[1, 2]");
    await expect(start(dataDir, notDefinitions)).rejects.toThrow(`server.load_definitions ${notDefinitions}: not a definitions file (a JSON object)`);
    const badList = join(dataDir, "bad.json");
    writeFileSync(badList, JSON.stringify({ queues: "q" }));
    await expect(start(dataDir, badList)).rejects.toThrow(`server.load_definitions ${badList}: queues must be an array of objects`);
    // The data directory was released each time: a server starts on it.
    const ok = await start(dataDir, fixture);
    await ok.server.stop();
  });
});

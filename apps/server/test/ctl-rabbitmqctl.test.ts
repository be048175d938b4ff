/**
 * amqpctl prints what rabbitmqctl 3.10 printed for the same objects: each command of
 * fixtures/rabbitmqctl-3.10.json (recorded by fixtures/record-rabbitmqctl.mjs) is run with the
 * same arguments against our server after the same setup, and its stdout and exit code compared.
 * Only the recorder's objects are compared in listings (the header and `ctlrec-*` rows, rows in
 * any order: neither orders them); an error compares by its exit code and the first words.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCtl } from "../src/ctl/run.js";
import { type RunningServer, startServer } from "../src/server.js";
import { freePort } from "./helpers.js";

interface Recorded {
  readonly args: string[];
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
}

const fixtures: Record<string, Recorded> = JSON.parse(readFileSync(new URL("./fixtures/rabbitmqctl-3.10.json", import.meta.url), "utf8"));

/** The recorder's filter: the header (and banner) and the rows of its own objects; rows sorted. */
function comparable(args: readonly string[], stdout: string): string[] {
  const lines = stdout.split("\n").filter((l) => l !== "");
  if (args.includes("json")) return lines.filter((l) => l.includes("ctlrec")).map((l) => l.replace(/^,/, "")).sort();
  if (!args[0]!.startsWith("list_")) return lines;
  const head = args.includes("-s") ? 0 : args.includes("-q") ? 1 : 2;
  return [...lines.slice(0, head), ...lines.slice(head).filter((l) => l.includes("ctlrec")).sort()];
}

let server: RunningServer;
let url: string;
let conn: Awaited<ReturnType<typeof amqp.connect>>;

beforeAll(async () => {
  const port = await freePort();
  const started = await startServer(
    ["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", String(port), "--data-dir", mkdtempSync(join(tmpdir(), "amqpctl-rabbitmqctl-"))],
    {},
    { destination: { write: () => {} } },
  );
  if (started.kind !== "running") throw new Error("expected a running server");
  server = started;
  url = `http://127.0.0.1:${port}`;
  // The recorder's setup: its user, vhost and permissions through the API, then its objects over AMQP.
  const api = (path: string, body: unknown) =>
    fetch(`${url}/api/${path}`, { method: "PUT", headers: { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  await api("users/ctlrec-user", { password: "ctlrec-pw", tags: "monitoring,management" });
  await api("vhosts/ctlrec-v", {});
  await api("permissions/%2F/ctlrec-user", { configure: "^ctlrec-", write: ".*", read: "" });
  conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${server.port}`);
  const ch = await conn.createChannel();
  await ch.assertQueue("ctlrec-orders", { durable: true });
  await ch.assertQueue("ctlrec-purged", { durable: false, autoDelete: false });
  await ch.assertExchange("ctlrec-events", "topic", { durable: false });
  await ch.bindQueue("ctlrec-orders", "ctlrec-events", "order.#");
  for (let i = 0; i < 3; i++) ch.sendToQueue("ctlrec-orders", Buffer.from(String(i)));
  for (let i = 0; i < 2; i++) ch.sendToQueue("ctlrec-purged", Buffer.from(String(i)));
  await ch.prefetch(1);
  await ch.consume("ctlrec-orders", () => {}, { consumerTag: "ctlrec-tag" });
  await new Promise((r) => setTimeout(r, 200));
});

afterAll(async () => {
  await conn?.close();
  await server?.stop();
});

describe("amqpctl prints what rabbitmqctl 3.10 printed", () => {
  // In the recorder's order: each command sees the state the ones before it left.
  for (const [name, f] of Object.entries(fixtures)) {
    it(name, async () => {
      const out: string[] = [];
      const err: string[] = [];
      const status = await runCtl(["--url", url, ...f.args], {}, { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => "" });
      expect({ name, status }).toEqual({ name, status: f.status });
      expect(comparable(f.args, out.join("\n"))).toEqual(comparable(f.args, f.stdout));
      if (f.status !== 0) {
        expect(err).toHaveLength(1);
        // rabbitmqctl: "Error:" then the reason on the next line, or "Error (argument validation): <reason>"; ours: one line.
        const reason = f.stderr.replace(/^Error( \(argument validation\))?:\s*/, "");
        expect(err[0]).toMatch(/^Error: /);
        if (reason !== "") expect(err[0]).toContain(reason);
      }
    });
  }
});

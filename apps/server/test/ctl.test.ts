/**
 * amqpctl against a real server in-process: every verb end to end through runCtl (and the built
 * bin once, as a child process), with rabbitmqctl's output formats, and its one-line errors and
 * exit codes for a server that is not there, a refused login and a missing object.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCtl } from "../src/ctl/run.js";
import { type RunningServer, startServer } from "../src/server.js";
import { cleanEnv, freePort } from "./helpers.js";

const quiet = { destination: { write: () => {} } };
const ctlMain = fileURLToPath(new URL("../dist/ctl/main.js", import.meta.url));

interface Result {
  code: number;
  out: string;
  err: string;
}

let server: RunningServer;
let url: string;
let dataDir: string;

async function ctl(args: string[], stdin = ""): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCtl(["--url", url, "-u", "guest", "-p", "guest", ...args], {}, { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => stdin });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "amqpctl-"));
  const port = await freePort();
  const started = await startServer(["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", String(port), "--data-dir", dataDir], {}, quiet);
  if (started.kind !== "running") throw new Error("expected a running server");
  server = started;
  url = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await server.stop();
});

describe("amqpctl", () => {
  it("lists queues, exchanges, bindings, connections, channels and consumers as rabbitmqctl does", async () => {
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${server.port}`);
    try {
      const ch = await conn.createChannel();
      await ch.assertQueue("ctl-q", { durable: false, arguments: { "x-max-length": 10 } });
      await ch.assertExchange("ctl-x", "topic", { durable: false });
      await ch.bindQueue("ctl-q", "ctl-x", "a.#");
      ch.sendToQueue("ctl-q", Buffer.from("one"));
      ch.sendToQueue("ctl-q", Buffer.from("two"));
      await ch.assertQueue("ctl-idle", { durable: true });
      await ch.consume("ctl-q", () => {}, { consumerTag: "ctl-tag", noAck: false });
      await new Promise((r) => setTimeout(r, 100));

      const queues = await ctl(["list_queues", "name", "messages", "consumers", "arguments"]);
      expect(queues.code).toBe(0);
      expect(queues.out.split("\n")).toEqual(["Listing queues for vhost / ...", "name\tmessages\tconsumers\targuments", "ctl-q\t2\t1\t{\"x-max-length\":10}", "ctl-idle\t0\t0\t{}"]);
      const json = await ctl(["list_queues", "name", "messages", "--formatter", "json"]);
      expect(json.out).toBe('[\n{"name":"ctl-q","messages":2}\n,{"name":"ctl-idle","messages":0}\n]');
      expect(JSON.parse(json.out)).toEqual([{ name: "ctl-q", messages: 2 }, { name: "ctl-idle", messages: 0 }]);
      expect((await ctl(["-s", "list_queues"])).out).toBe("ctl-q\t2\nctl-idle\t0");
      expect((await ctl(["-q", "list_queues", "name"])).out).toBe("name\nctl-q\nctl-idle");

      const exchanges = (await ctl(["list_exchanges"])).out.split("\n");
      expect(exchanges.slice(0, 2)).toEqual(["Listing exchanges for vhost / ...", "name\ttype"]);
      expect(exchanges).toContain("ctl-x\ttopic");
      expect(exchanges).toContain("\tdirect");
      expect((await ctl(["list_bindings", "-q"])).out.split("\n")).toEqual([
        "source_name\tsource_kind\tdestination_name\tdestination_kind\trouting_key\targuments",
        "\texchange\tctl-q\tqueue\tctl-q\t{}",
        "\texchange\tctl-idle\tqueue\tctl-idle\t{}",
        "ctl-x\texchange\tctl-q\tqueue\ta.#\t{}",
      ]);

      const connections = await ctl(["list_connections", "-q"]);
      const [header, row] = connections.out.split("\n");
      expect(header).toBe("user\tpeer_host\tpeer_port\tstate");
      expect(row).toMatch(/^guest\t127\.0\.0\.1\t\d+\trunning$/);
      const names = JSON.parse((await ctl(["list_connections", "name", "user", "protocol", "--formatter", "json"])).out) as { name: string }[];
      expect(names).toEqual([{ name: expect.stringMatching(/^127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+$/), user: "guest", protocol: "AMQP 0-9-1" }]);
      const connectionName = names[0]!.name;

      expect((await ctl(["list_channels", "-q"])).out.split("\n")).toEqual(["pid\tuser\tconsumer_count\tmessages_unacknowledged", `${connectionName} (1)\tguest\t1\t2`]);
      expect((await ctl(["list_consumers"])).out.split("\n")).toEqual([
        "Listing consumers in vhost / ...",
        "queue_name\tchannel_pid\tconsumer_tag\tack_required\tprefetch_count\tactive\targuments",
        `ctl-q\t${connectionName} (1)\tctl-tag\ttrue\t0\ttrue\t{}`,
      ]);
      expect(JSON.parse((await ctl(["list_consumers", "queue_name", "consumer_tag", "--formatter", "json"])).out)).toEqual([{ queue_name: "ctl-q", consumer_tag: "ctl-tag" }]);

      // An unknown column is a usage error, as rabbitmqctl's.
      const bad = await ctl(["list_queues", "name", "nope"]);
      expect(bad.code).toBe(64);
      expect(bad.err).toMatch(/^Error: Info key\(s\) nope are not supported/);
      expect(bad.err.split("\n")).toHaveLength(1);
      const noVhost = await ctl(["list_queues", "--vhost", "nope"]);
      expect([noVhost.code, noVhost.err]).toEqual([69, "Error: vhost 'nope' not found"]);
    } finally {
      await conn.close().catch(() => {});
    }
  });

  it("purges and deletes queues", async () => {
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${server.port}`);
    try {
      const ch = await conn.createChannel();
      await ch.assertQueue("ctl-purge", { durable: false });
      for (let i = 0; i < 3; i++) ch.sendToQueue("ctl-purge", Buffer.from(String(i)));
      await ch.checkQueue("ctl-purge");
      await new Promise((r) => setTimeout(r, 50));
      expect(await ctl(["purge_queue", "ctl-purge"])).toEqual({ code: 0, out: "Purging queue 'ctl-purge' in vhost '/' ...", err: "" });
      expect((await ch.checkQueue("ctl-purge")).messageCount).toBe(0);

      ch.sendToQueue("ctl-purge", Buffer.from("left"));
      await new Promise((r) => setTimeout(r, 50));
      const ifEmpty = await ctl(["delete_queue", "ctl-purge", "--if-empty"]);
      expect(ifEmpty.code).toBe(69);
      expect(ifEmpty.err).toMatch(/^Error: .*ctl-purge.* \(400\)$/);
      expect(await ctl(["delete_queue", "ctl-purge"])).toEqual({
        code: 0,
        out: "Deleting queue 'ctl-purge' on vhost '/' ...\nQueue was successfully deleted with 1 ready messages",
        err: "",
      });
      const again = await ctl(["delete_queue", "ctl-purge"]);
      expect([again.code, again.err]).toEqual([64, "Error: queue 'ctl-purge' in vhost '/' not found"]);
      const purgeMissing = await ctl(["-q", "purge_queue", "ctl-purge"]);
      expect(purgeMissing).toEqual({ code: 69, out: "", err: "Error: queue 'ctl-purge' in vhost '/' not found" });
    } finally {
      await conn.close();
    }
  });

  it("closes one connection and then all, with the reason the client is given", async () => {
    const reasons: string[] = [];
    const open = async () => {
      const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${server.port}`);
      // amqplib emits no "error" for 320 CONNECTION_FORCED: the reason comes with "close".
      c.on("close", (e?: Error) => reasons.push(e?.message ?? ""));
      return c;
    };
    const a = await open();
    const closedA = new Promise((r) => a.on("close", r));
    const listed = JSON.parse((await ctl(["list_connections", "name", "--formatter", "json"])).out) as { name: string }[];
    expect(listed).toHaveLength(1);
    const name = listed[0]!.name;
    expect(await ctl(["close_connection", name, "go away"])).toEqual({ code: 0, out: `Closing connection ${name}, reason: go away...`, err: "" });
    await closedA;
    expect(reasons[0]).toMatch(/320.*go away/);
    const missing = await ctl(["close_connection", name, "again"]);
    expect(missing.code).toBe(69);
    expect(missing.err).toBe(`Error: connection '${name}' not found (list_connections name shows the names)`);

    const b = await open();
    const c = await open();
    const closed = Promise.all([new Promise((r) => b.on("close", r)), new Promise((r) => c.on("close", r))]);
    expect(await ctl(["close_all_connections", "maintenance"])).toEqual({ code: 0, out: "Closing all connections in vhost /, reason: maintenance...\nClosed 2 connections", err: "" });
    await closed;
    expect(reasons.filter((r) => /320.*maintenance/.test(r))).toHaveLength(2);
  });

  it("sets, lists and clears policies in rabbitmqctl's argument order", async () => {
    const set = await ctl(["set_policy", "--apply-to", "queues", "--priority", "3", "ctl-ttl", "^ctl-", '{"message-ttl":1000}']);
    expect(set).toEqual({ code: 0, out: 'Setting policy "ctl-ttl" for pattern "^ctl-" to "{"message-ttl":1000}" with priority "3" for vhost "/" ...', err: "" });
    expect((await ctl(["list_policies"])).out.split("\n")).toEqual([
      'Listing policies for vhost "/" ...',
      "vhost\tname\tpattern\tapply-to\tdefinition\tpriority",
      '/\tctl-ttl\t^ctl-\tqueues\t{"message-ttl":1000}\t3',
    ]);
    expect(JSON.parse((await ctl(["list_policies", "--formatter", "json"])).out)).toEqual([
      { vhost: "/", name: "ctl-ttl", pattern: "^ctl-", "apply-to": "queues", definition: '{"message-ttl":1000}', priority: 3 },
    ]);
    const invalid = await ctl(["-q", "set_policy", "ctl-bad", ".*", '{"bogus":1}']);
    expect(invalid).toEqual({ code: 69, out: "", err: 'Error: Validation failed: [{<<"bogus">>,1}] are not recognised policy settings (400)' });
    const notJson = await ctl(["set_policy", "ctl-bad", ".*", "{nope"]);
    expect(notJson.code).toBe(65);
    expect(notJson.err).toMatch(/^Error: the definition is not JSON/);
    expect(await ctl(["-q", "--vhost", "nope", "set_policy", "ctl-x", ".*", "{}"])).toEqual({ code: 69, out: "", err: "Error: vhost 'nope' not found" });
    expect(await ctl(["clear_policy", "ctl-ttl"])).toEqual({ code: 0, out: 'Clearing policy "ctl-ttl" on vhost "/" ...', err: "" });
    expect(await ctl(["-q", "clear_policy", "ctl-ttl"])).toEqual({ code: 69, out: "", err: "Error: policy 'ctl-ttl' does not exist in vhost '/'" });
  });

  it("sets, lists and clears global parameters; a vhost parameter's component is named as absent", async () => {
    expect(await ctl(["set_global_parameter", "cluster_name", '"east"'])).toEqual({ code: 0, out: 'Setting global runtime parameter "cluster_name" to ""east"" ...', err: "" });
    const listed = (await ctl(["list_global_parameters"])).out.split("\n");
    expect(listed.slice(0, 2)).toEqual(["Listing global runtime parameters ...", "name\tvalue"]);
    expect(listed).toContain('cluster_name\t"east"');
    // The node's one cluster id: the one rabbitmq_identity_info shows, kept in the data directory.
    const clusterId = readFileSync(join(dataDir, "cluster_id"), "utf8").trim();
    expect(clusterId).toMatch(/^rabbitmq-cluster-id-/);
    expect(listed).toContain(`internal_cluster_id\t"${clusterId}"`);
    expect(JSON.parse((await ctl(["list_global_parameters", "--formatter", "json"])).out)).toContainEqual({ name: "cluster_name", value: '"east"' });
    expect(await ctl(["-q", "clear_global_parameter", "cluster_name"])).toEqual({ code: 0, out: "", err: "" });
    expect(await ctl(["-q", "clear_global_parameter", "cluster_name"])).toEqual({ code: 69, out: "", err: "Error: Parameter does not exist" });
    expect((await ctl(["set_global_parameter", "x", "notjson"])).code).toBe(65);

    expect(await ctl(["list_parameters"])).toEqual({ code: 0, out: 'Listing runtime parameters for vhost "/" ...', err: "" });
    expect(await ctl(["list_parameters", "--formatter", "json"])).toEqual({ code: 0, out: "[\n]", err: "" });
    const refused = await ctl(["-q", "set_parameter", "federation-upstream", "up", '{"uri":"amqp://elsewhere"}']);
    expect(refused).toEqual({ code: 69, out: "", err: "Error: Validation failed: component federation-upstream not found (400)" });
    expect(await ctl(["-q", "clear_parameter", "federation-upstream", "up"])).toEqual({ code: 69, out: "", err: "Error: Parameter does not exist" });
  });

  it("exports definitions to a file or stdout and imports them from a file or stdin", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqpctl-defs-"));
    const file = join(dir, "defs.json");
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${server.port}`);
    const ch = await conn.createChannel();
    await ch.assertQueue("ctl-defs", { durable: true, arguments: { "x-message-ttl": 5000 } });
    await conn.close();
    expect(await ctl(["export_definitions", file])).toEqual({ code: 0, out: `Exporting definitions in JSON to a file at "${file}" ...`, err: "" });
    const defs = JSON.parse(readFileSync(file, "utf8")) as { queues: { name: string; arguments: unknown }[]; users: unknown[] };
    expect(defs.queues).toContainEqual(expect.objectContaining({ name: "ctl-defs", arguments: { "x-message-ttl": 5000 } }));
    const stdout = await ctl(["export_definitions", "-"]);
    expect(JSON.parse(stdout.out)).toEqual(defs);

    // Into the same server again: nothing changes, nothing is refused.
    expect(await ctl(["import_definitions", file])).toEqual({ code: 0, out: `Importing definitions in JSON from a file at "${file}" ...\nImported definitions.`, err: "" });
    const incoming = { queues: [{ name: "ctl-imported", vhost: "/", durable: true, auto_delete: false, arguments: {} }] };
    expect((await ctl(["-q", "import_definitions", "-"], JSON.stringify(incoming))).code).toBe(0);
    expect((await ctl(["-s", "list_queues", "name"])).out.split("\n")).toContain("ctl-imported");

    // What cannot be applied is named, and the exit code says so.
    const partial = { queues: [{ name: "ctl-elsewhere", vhost: "no-such-vhost", durable: true, auto_delete: false, arguments: {} }] };
    writeFileSync(file, JSON.stringify(partial));
    const refused = await ctl(["-q", "import_definitions", file]);
    expect(refused.code).toBe(69);
    expect(refused.err).toMatch(/^Error: some definitions were not imported: vhost 'no-such-vhost' .* \(400\)$/);
    writeFileSync(file, "{not json");
    const broken = await ctl(["import_definitions", file]);
    expect([broken.code, broken.err.startsWith(`Error: ${file} is not JSON`)]).toEqual([65, true]);
  });

  it("answers a server that is not there, a refused login and a bad command line in one line with an exit code", async () => {
    const down = await freePort();
    const refused = await runCapture(["--url", `http://127.0.0.1:${down}`, "list_queues"]);
    expect(refused.code).toBe(69);
    expect(refused.err).toBe(`Error: cannot reach the management API at http://127.0.0.1:${down} (ECONNREFUSED); is the server running with --management-port?`);
    // A server that accepts and never answers: --timeout, as rabbitmqctl's.
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const silentPort = (silent.address() as { port: number }).port;
    const timedOut = await runCapture(["--url", `http://127.0.0.1:${silentPort}`, "--timeout", "0.3", "list_queues"]);
    silent.close();
    silent.unref();
    expect(timedOut).toEqual({ code: 69, out: "", err: `Error: no answer from the management API at http://127.0.0.1:${silentPort} within 0.3 s` });
    const login = await ctl(["-p", "wrong", "list_queues"]);
    expect([login.code, login.err]).toEqual([77, `Error: login failed for user 'guest' at ${url} (401)`]);
    const usage = await ctl(["list_everything"]);
    expect(usage.code).toBe(64);
    expect(usage.err.split("\n")).toHaveLength(1);
    const missingArg = await ctl(["purge_queue"]);
    expect(missingArg.code).toBe(64);
  });

  it("defaults to the config's management port and default user", async () => {
    const port = Number(new URL(url).port);
    const dir = mkdtempSync(join(tmpdir(), "amqpctl-config-"));
    const config = join(dir, "amqp-server.json");
    writeFileSync(config, JSON.stringify({ server: { management_port: port } }));
    const r = await runCapture(["--config", config, "-q", "list_exchanges", "name"]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")).toContain("amq.topic");
    const env = await runCapture(["-q", "list_exchanges", "name"], { AMQP_SERVER_MANAGEMENT_PORT: String(port), AMQP_DEFAULT_USER: "nobody", AMQP_DEFAULT_PASS: "x" });
    expect([env.code, env.err]).toEqual([77, `Error: login failed for user 'nobody' at http://127.0.0.1:${port} (401)`]);
  });

  it("amqp-server, given one of its verbs, points at amqpctl", async () => {
    await expect(startServer(["list_queues", "name"], {})).rejects.toThrow("list_queues talks to a running server: run it with amqpctl (amqpctl list_queues --help)");
  });

  it("runs as the amqpctl bin", async () => {
    const r = await spawnCtl(["--url", url, "list_queues", "name", "--formatter", "json"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expect.arrayContaining([{ name: "ctl-idle" }]));
    const bad = await spawnCtl(["--url", url, "delete_queue", "ctl-never"]);
    expect(bad.status).toBe(64);
    expect(bad.stderr).toBe("Error: queue 'ctl-never' in vhost '/' not found\n");
  });
});

/** The bin as a child process (asynchronously: the server it talks to runs in this process). */
function spawnCtl(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [ctlMain, ...args], { env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}

async function runCapture(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCtl(args, env, { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => "" });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/**
 * SIGHUP with the real binary: the process keeps running, reopens its log file (logrotate renames
 * it first), reloads the users file and applies the live settings of its config file; then the same
 * in-process through RunningServer.reload().
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../src/server.js";
import { assertBuilt, type LogLine, runBinary, spawnServer } from "./helpers.js";

beforeAll(assertBuilt);

const linesOf = (file: string): LogLine[] =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as LogLine)
    : [];

/** Polls `file` until a line matches. */
async function lineIn(file: string, match: (line: LogLine) => boolean, timeoutMs = 5000): Promise<LogLine> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = linesOf(file).find(match);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no matching line in ${file} within ${timeoutMs} ms: ${JSON.stringify(linesOf(file))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("SIGHUP", () => {
  it("keeps the process running; after logrotate renames the log file, new lines go to a new file at the path; users file and live settings reloaded", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-sighup-"));
    const log = join(dir, "log", "amqp-server.log");
    const dataDir = join(dir, "data");
    const config = join(dir, "amqp-server.yaml");
    writeFileSync(config, `server: {host: 127.0.0.1, port: 0, metrics_port: 0, management_port: 0, data_dir: ${dataDir}}\nlog: {file: ${log}}\n`);
    const server = spawnServer(["--config", config]);
    try {
      const { port } = await lineIn(log, (l) => l.msg === "listening");

      // logrotate: rename, then SIGHUP.
      renameSync(log, `${log}.1`);
      server.child.kill("SIGHUP");
      const reloaded = await lineIn(log, (l) => l.msg === "reloaded");
      expect(reloaded).toMatchObject({ level: 30, logReopened: true, applied: [], needsRestart: [] });
      expect(linesOf(`${log}.1`).map((l) => l.msg)).toContain("listening");
      expect(linesOf(`${log}.1`).map((l) => l.msg)).not.toContain("reloaded");
      expect(server.child.exitCode).toBeNull();

      // Still serving; a user added to the users file meanwhile logs in after the reload.
      expect(runBinary(["users", "add", "rita", "rita-pw", "--data-dir", dataDir]).status).toBe(0);
      expect(runBinary(["permissions", "set", "--vhost", "/", "rita", ".*", ".*", ".*", "--data-dir", dataDir]).status).toBe(0);
      // A live setting (log.level), one that needs a restart (connection.heartbeat).
      writeFileSync(config, `server: {host: 127.0.0.1, port: 0, metrics_port: 0, management_port: 0, data_dir: ${dataDir}}\nlog: {file: ${log}, level: debug}\nconnection: {heartbeat: 30}\n`);
      server.child.kill("SIGHUP");
      const second = await lineIn(log, (l) => l.msg === "reloaded; some changed settings need a restart");
      expect(second).toMatchObject({ level: 40, applied: ["log.level"], needsRestart: ["connection.heartbeat"] });
      expect(linesOf(log).map((l) => l.msg)).toContain("users file reloaded");
      const connection = await amqp.connect(`amqp://rita:rita-pw@127.0.0.1:${port}`);
      await connection.close();
      // log.level debug is in force: the login was logged at debug.
      await lineIn(log, (l) => l.level === 20);

      // A config that no longer loads changes nothing, and the process keeps running.
      writeFileSync(config, "server: {port: nope}\n");
      server.child.kill("SIGHUP");
      const third = await lineIn(log, (l) => typeof l["configError"] === "string");
      expect(third).toMatchObject({ level: 40, msg: "reloaded", configError: `${config}: server.port must be an integer from 0 to 65535, got "nope"` });
      expect(server.child.exitCode).toBeNull();
    } finally {
      server.child.kill("SIGTERM");
    }
    const exit = await server.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(linesOf(log).at(-1)?.msg).toBe("stopped");
  });
});

describe("RunningServer.reload()", () => {
  it("applies live auth settings (loopback_users) and keeps the running value of a setting that needs a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-reload-"));
    const config = join(dir, "amqp-server.json");
    const write = (loopback: string[], port: number) =>
      writeFileSync(config, JSON.stringify({ server: { host: "127.0.0.1", port, metrics_port: 0, management_port: 0, data_dir: join(dir, "data") }, log: { level: "silent" }, auth: { loopback_users: loopback } }));
    write(["guest"], 0);
    const server = (await startServer(["--config", config], {})) as RunningServer;
    try {
      expect(server.config.auth.loopback_users).toEqual(["guest"]);
      write(["ops"], 5999);
      expect(server.reload()).toEqual({ logReopened: false, applied: ["auth.loopback_users"], needsRestart: ["server.port"] });
      expect(server.config.auth.loopback_users).toEqual(["ops"]);
      expect(server.config.server.port).toBe(0);
      const connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${server.port}`);
      await connection.close();
    } finally {
      await server.stop();
    }
  });
});

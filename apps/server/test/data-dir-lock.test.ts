/** The data dir's lock with the real binary: a second server on the same directory exits 1 naming the first's pid. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runBinary, spawnServer } from "./helpers.js";

beforeAll(assertBuilt);

const args = (dataDir: string): string[] => ["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--data-dir", dataDir];

describe("data directory lock", () => {
  it("a second server on the same data dir exits 1 with a message naming the first's pid; the first keeps the lock until it stops", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "amqp-lock-bin-"));
    const first = spawnServer(args(dataDir));
    await first.line((l) => l.msg === "listening");
    const lockPath = join(dataDir, ".lock");
    expect(JSON.parse(readFileSync(lockPath, "utf8"))).toMatchObject({ pid: first.child.pid, host: hostname() });

    const second = runBinary(args(dataDir));
    expect(second.status).toBe(1);
    expect(second.stderr).toBe(
      `amqp-server: ${lockPath}: the data directory is in use by another amqp-server (pid ${first.child.pid} on ${hostname()}, started ${
        JSON.parse(readFileSync(lockPath, "utf8")).startedAt
      }); stop it, or give this one another --data-dir\n`,
    );
    expect(second.stdout).toContain('"msg":"cannot lock the data directory"');
    expect(existsSync(lockPath)).toBe(true);

    first.child.kill("SIGTERM");
    expect((await first.exited).code).toBe(0);
    expect(existsSync(lockPath)).toBe(false);
  });

  it("a stale lock left by a dead process is taken over", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "amqp-lock-bin-"));
    const dead = Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
    writeFileSync(join(dataDir, ".lock"), JSON.stringify({ pid: dead, host: hostname(), startedAt: "2026-01-01T00:00:00.000Z" }));
    const server = spawnServer(args(dataDir));
    await server.line((l) => l.msg === "listening");
    expect(JSON.parse(readFileSync(join(dataDir, ".lock"), "utf8"))).toMatchObject({ pid: server.child.pid });
    server.child.kill("SIGTERM");
    expect((await server.exited).code).toBe(0);
  });

  it("a server that cannot listen releases the lock", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "amqp-lock-bin-"));
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const run = runBinary(["--port", String(port), "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--data-dir", dataDir]);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('"msg":"cannot listen"');
      expect(existsSync(join(dataDir, ".lock"))).toBe(false);
    } finally {
      busy.close();
    }
  });
});

/** The `amqp-go <version> ready` line of the real binary. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, freePort, spawnServer } from "./helpers.js";

beforeAll(assertBuilt);

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

describe("startup line", () => {
  it("names the version, node, pid, data dir, every listener and the limits in force, once the server serves", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "amqp-startup-"));
    const metricsPort = await freePort();
    const server = spawnServer([
      "--port", "0", "--host", "127.0.0.1", "--metrics-port", String(metricsPort), "--management-port", "0", "--data-dir", dataDir,
      "--frame-max", "65536", "--channel-max", "100", "--heartbeat", "30", "--max-message-size", "1048576",
      "--memory-high-watermark", "1000000000", "--disk-free-limit", "123456789",
    ]);
    try {
      const { port } = await server.line((l) => l.msg === "listening");
      const ready = await server.line((l) => l.msg === `amqp-go ${version} ready`);
      expect(ready).toMatchObject({
        level: 30,
        version,
        node: process.version,
        pid: server.child.pid,
        dataDir,
        configFile: null,
        listeners: { amqp: `127.0.0.1:${port}`, metrics: `127.0.0.1:${metricsPort}` },
        limits: {
          frame_max: 65536,
          channel_max: 100,
          heartbeat: 30,
          max_message_size: 1048576,
          memory_high_watermark: 1000000000,
          disk_free_limit: 123456789,
          max_handshaking_connections: 1000,
          consumer_timeout: 1800000,
        },
      });
      // It is the last line of the start: after every listener.
      expect(server.lines.at(-1)).toBe(ready);
      // And /readyz answers by then.
      const res = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
      expect(res.status).toBe(200);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });
});

/** The server's Prometheus endpoint: on --metrics-port, ready once the AMQP listener is open, off with 0. */
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { describe, expect, it } from "vitest";
import { startServer } from "../src/server.js";

const dataDir = mkdtempSync(join(tmpdir(), "amqp-server-metrics-"));

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

const quiet = { destination: { write: () => {} } };

describe("metrics endpoint", () => {
  it("serves /metrics and /readyz on --metrics-port while the broker runs", async () => {
    const metricsPort = await freePort();
    const started = await startServer(["--port", "0", "--host", "127.0.0.1", "--metrics-port", String(metricsPort), "--data-dir", dataDir], {}, quiet);
    if (started.kind !== "running") throw new Error("expected a running server");
    try {
      const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${started.port}`);
      const ch = await c.createChannel();
      await ch.assertQueue("scraped");
      ch.sendToQueue("scraped", Buffer.from("x"));
      await new Promise((r) => setTimeout(r, 50));
      const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
      expect(ready.status).toBe(200);
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(text).toContain("rabbitmq_connections 1");
      expect(text).toContain('rabbitmq_queue_messages_ready{vhost="/",queue="scraped"} 1');
      await c.close();
    } finally {
      await started.stop();
    }
    await expect(fetch(`http://127.0.0.1:${metricsPort}/healthz`)).rejects.toThrow();
  });

  it("is off with --metrics-port 0", async () => {
    const started = await startServer(["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--data-dir", dataDir], {}, quiet);
    if (started.kind !== "running") throw new Error("expected a running server");
    await started.stop();
    expect(started.config.server.metrics_port).toBe(0);
  });
});

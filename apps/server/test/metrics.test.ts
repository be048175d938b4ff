/** The server's Prometheus endpoint: on --metrics-port, ready once the AMQP listener is open, off with 0. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { Broker } from "@amqp-go/broker";
import { describe, expect, it } from "vitest";
import { version } from "../src/cli.js";
import { startServer } from "../src/server.js";
import { assertBuilt, freePort, spawnServer } from "./helpers.js";

const dataDir = mkdtempSync(join(tmpdir(), "amqp-server-metrics-"));

const quiet = { destination: { write: () => {} } };

describe("metrics endpoint", () => {
  it("serves /metrics and /readyz on --metrics-port while the broker runs", async () => {
    const metricsPort = await freePort();
    const started = await startServer(["--port", "0", "--host", "127.0.0.1", "--metrics-port", String(metricsPort), "--management-port", "0", "--data-dir", dataDir], {}, quiet);
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
      expect(text).toContain("rabbitmq_queue_messages_ready 1"); // totals, as RabbitMQ by default
      const perObject = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics/per-object`)).text();
      expect(perObject).toContain('rabbitmq_queue_messages_ready{vhost="/",queue="scraped"} 1');
      // the cluster's permanent id is kept in the data directory, and the version is the server's
      const id = /rabbitmq_cluster_permanent_id="([^"]+)"/.exec(text)?.[1];
      expect(id).toMatch(/^rabbitmq-cluster-id-/);
      expect(readFileSync(join(dataDir, "cluster_id"), "utf8").trim()).toBe(id);
      expect(text).toContain(`rabbitmq_version="${version}"`);
      await c.close();
    } finally {
      await started.stop();
    }
    await expect(fetch(`http://127.0.0.1:${metricsPort}/healthz`)).rejects.toThrow();
  });

  it("/healthz answers while messages are recovered; /readyz turns ready only once they are", async () => {
    assertBuilt();
    const dir = mkdtempSync(join(tmpdir(), "amqp-server-readyz-"));
    const n = 300_000;
    {
      const broker = new Broker({ heartbeat: 0, dataDir: dir });
      const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
      const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`, { noDelay: true });
      const ch = await c.createConfirmChannel();
      await ch.assertQueue("backlog", { durable: true });
      const body = Buffer.alloc(256);
      for (let i = 0; i < n; i++) {
        ch.sendToQueue("backlog", body, { persistent: true });
        if (i % 5000 === 4999) await ch.waitForConfirms();
      }
      await ch.waitForConfirms();
      await c.close();
      await broker.close();
    }
    const metricsPort = await freePort();
    const server = spawnServer(["--port", "0", "--host", "127.0.0.1", "--metrics-port", String(metricsPort), "--management-port", "0", "--data-dir", dir]);
    try {
      const seen: string[] = [];
      for (;;) {
        const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`).catch(() => null);
        if (health === null) {
          await new Promise((r) => setTimeout(r, 2));
          continue;
        }
        const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
        seen.push(`${health.status}/${ready.status}`);
        if (ready.status === 200) break;
      }
      // the process was up (healthz 200) and not ready while it recovered
      expect(seen[0]).toBe("200/503");
      const { port } = await server.line((l) => l.msg === "listening");
      const recovered = await server.line((l) => l.msg === "messages recovered");
      expect(recovered.messages).toBe(n);
      const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${String(port)}`);
      const ch = await c.createChannel();
      expect((await ch.checkQueue("backlog")).messageCount).toBe(n);
      await c.close();
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(text).toContain(`amqpgo_storage_recovered_messages ${n}`);
      expect(Number(/amqpgo_storage_recovery_duration_seconds ([\d.e-]+)/.exec(text)?.[1])).toBeGreaterThan(0);
    } finally {
      server.child.kill();
      await server.exited;
    }
  }, 60_000);

  it("--metrics-per-object true: /metrics gives per-object series, as RabbitMQ's return_per_object_metrics; /metrics/detailed answers", async () => {
    const metricsPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "amqp-server-per-object-"));
    const started = await startServer(
      ["--port", "0", "--host", "127.0.0.1", "--metrics-port", String(metricsPort), "--metrics-per-object", "true", "--management-port", "0", "--data-dir", dir],
      {},
      quiet,
    );
    if (started.kind !== "running") throw new Error("expected a running server");
    try {
      const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${started.port}`);
      const ch = await c.createChannel();
      await ch.assertQueue("per-object");
      ch.sendToQueue("per-object", Buffer.from("x"));
      await new Promise((r) => setTimeout(r, 50));
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(text).toContain('rabbitmq_queue_messages_ready{vhost="/",queue="per-object"} 1');
      expect(text).toContain('rabbitmq_endpoint="per-object"');
      const detailed = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics/detailed?family=queue_coarse_metrics&vhost=/`)).text();
      expect(detailed).toContain('rabbitmq_detailed_queue_messages_ready{vhost="/",queue="per-object"} 1');
      expect(detailed).toContain('rabbitmq_endpoint="detailed"');
      await c.close();
    } finally {
      await started.stop();
    }
  });

  it("is off with --metrics-port 0", async () => {
    const started = await startServer(["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--data-dir", dataDir], {}, quiet);
    if (started.kind !== "running") throw new Error("expected a running server");
    await started.stop();
    expect(started.config.server.metrics_port).toBe(0);
  });
});

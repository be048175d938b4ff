/** The management API in the server: on --management-port, with the users file behind it; off with 0. */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { describe, expect, it } from "vitest";
import { startServer } from "../src/server.js";
import { freePort } from "./helpers.js";

const quiet = { destination: { write: () => {} } };
const guest = { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}`, "content-type": "application/json" };

describe("management API", () => {
  it("answers on --management-port; users it creates go to the users file and log in over AMQP", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "amqp-server-management-"));
    const port = await freePort();
    const started = await startServer(["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", String(port), "--data-dir", dataDir], {}, quiet);
    if (started.kind !== "running") throw new Error("expected a running server");
    try {
      expect(started.managementPort).toBe(port);
      const base = `http://127.0.0.1:${port}/api`;
      const overview = (await (await fetch(`${base}/overview`, { headers: guest })).json()) as { listeners: unknown; rabbitmq_version: string };
      expect(overview.listeners).toEqual([expect.objectContaining({ protocol: "amqp", port: started.port })]);
      expect(overview.rabbitmq_version).toBe("3.10.8");

      expect(existsSync(join(dataDir, "users.json"))).toBe(false);
      const put = await fetch(`${base}/users/alice`, { method: "PUT", headers: guest, body: JSON.stringify({ password: "wonderland", tags: "management" }) });
      expect(put.status).toBe(201);
      await fetch(`${base}/permissions/%2F/alice`, { method: "PUT", headers: guest, body: JSON.stringify({ configure: ".*", write: ".*", read: ".*" }) });
      const file = JSON.parse(readFileSync(join(dataDir, "users.json"), "utf8"));
      expect(file.users.map((u: { name: string }) => u.name)).toEqual(["guest", "alice"]);
      const conn = await amqp.connect(`amqp://alice:wonderland@127.0.0.1:${started.port}`);
      await conn.close();

      expect((await fetch(`${base}/vhosts/v2`, { method: "PUT", headers: guest })).status).toBe(201);
      expect((await fetch(`${base}/queues/v2/q`, { method: "PUT", headers: guest, body: "{}" })).status).toBe(401); // guest has no permissions on v2
    } finally {
      await started.stop();
    }
  });

  it("is off with --management-port 0", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "amqp-server-management-"));
    const started = await startServer(["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--data-dir", dataDir], {}, quiet);
    if (started.kind !== "running") throw new Error("expected a running server");
    await started.stop();
    expect(started.managementPort).toBeUndefined();
    expect(started.config.server.management_port).toBe(0);
  });

  it("a management port already taken fails the start, and everything it opened is closed: the data dir is unlocked", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "amqp-server-management-taken-"));
    const taken = createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, "127.0.0.1", () => resolve((taken.address() as { port: number }).port)));
    try {
      const args = ["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--data-dir", dataDir];
      await expect(startServer([...args, "--management-port", String(port)], {}, quiet)).rejects.toThrow(/EADDRINUSE/);
      expect(existsSync(join(dataDir, ".lock"))).toBe(false);
      const again = await startServer([...args, "--management-port", "0"], {}, quiet);
      if (again.kind !== "running") throw new Error("expected a running server");
      await again.stop();
    } finally {
      taken.close();
    }
  });
});

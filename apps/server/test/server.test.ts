/**
 * The server end to end: the built binary on a free port, a real amqplib client, and shutdown by
 * signal; then the same in-process through startServer.
 */
import { mkdtempSync } from "node:fs";
import { connect as connectTcp, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../src/server.js";
import { assertBuilt, type LogLine, spawnServer } from "./helpers.js";

beforeAll(assertBuilt);

const dataDir = mkdtempSync(join(tmpdir(), "amqp-server-data-"));
const args = ["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--data-dir", dataDir];

type ClosedWith = Error & { code?: number };

/** Connects, opens a channel, and resolves `closed` with the error the connection closes with. */
async function connect(port: number) {
  const connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`);
  connection.on("error", () => {});
  const closed = new Promise<ClosedWith | undefined>((resolve) => connection.on("close", resolve));
  const channel = await connection.createChannel();
  channel.on("error", () => {});
  return { connection, channel, closed };
}

describe("amqp-server process", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "%s closes every connection with 320 CONNECTION_FORCED and exits 0",
    async (signal) => {
      const server = spawnServer(args);
      const listening = await server.line((l) => l.msg === "listening");
      expect(listening).toMatchObject({ level: 30, host: "127.0.0.1" });
      expect(listening["port"]).toEqual(expect.any(Number));
      expect(listening["port"]).not.toBe(0);

      const clients = [await connect(listening["port"] as number), await connect(listening["port"] as number)];
      server.child.kill(signal);

      for (const { closed } of clients) {
        const err = await closed;
        expect(err?.code).toBe(320);
        expect(err?.message).toContain("CONNECTION_FORCED");
      }
      const exit = await server.exited;
      expect(exit).toEqual({ code: 0, signal: null, stderr: "" });
      expect(server.lines.map((l: LogLine) => l.msg)).toEqual(expect.arrayContaining(["listening", "shutting down", "stopped"]));
      expect(server.lines.find((l) => l.msg === "shutting down")).toMatchObject({ signal });
    },
    15_000,
  );

  it("a second signal exits at once with 128 + its number", async () => {
    const server = spawnServer(args);
    const { port } = await server.line((l) => l.msg === "listening");
    // A socket that never sends the protocol header holds shutdown: the broker waits up to 2 s for
    // sockets still in the handshake before cutting them.
    const socket = connectTcp(port as number, "127.0.0.1");
    socket.on("error", () => {});
    await new Promise((resolve) => socket.once("connect", resolve));
    try {
      server.child.kill("SIGTERM");
      await server.line((l) => l.msg === "shutting down");
      const started = Date.now();
      server.child.kill("SIGINT");
      const exit = await server.exited;
      expect(exit).toEqual({ code: 130, signal: null, stderr: "" });
      // Well before the 2 s the broker would wait for the handshaking socket.
      expect(Date.now() - started).toBeLessThan(1800);
      expect(server.lines.at(-1)).toMatchObject({ level: 40, msg: "second signal, exiting now", signal: "SIGINT" });
    } finally {
      socket.destroy();
    }
  });

  it("a port in use: a fatal log line, one line on stderr, exit code 1", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const server = spawnServer(["--port", String(port), "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0"]);
      const exit = await server.exited;
      expect(exit.code).toBe(1);
      expect(exit.stderr).toMatch(/^amqp-server: .*EADDRINUSE.*\n$/);
      expect(server.lines.find((l) => l.msg === "cannot listen")).toMatchObject({ level: 60, port });
    } finally {
      blocker.close();
    }
  });
});

describe("startServer in-process", () => {
  it("listens on a free port and stop() closes clients with 320", async () => {
    const lines: LogLine[] = [];
    const started = await startServer(args, { AMQP_CONNECTION_HEARTBEAT: "0" }, {
      destination: { write: (line) => void lines.push(JSON.parse(line) as LogLine) },
    });
    if (started.kind !== "running") throw new Error("expected a running server");
    expect(started.config.connection.heartbeat).toBe(0);
    expect(started.address).toBe("127.0.0.1");
    expect(lines.find((l) => l.msg === "listening")).toMatchObject({ port: started.port, host: "127.0.0.1" });

    const { closed } = await connect(started.port);
    await started.stop();
    expect((await closed)?.code).toBe(320);
    expect(lines.at(-1)).toMatchObject({ msg: "stopped", reason: "shutdown" });
  });

  it("returns what --version asks to print instead of starting", async () => {
    expect(await startServer(["--version"], {})).toEqual({ kind: "print", text: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});

/**
 * The two brokers bench:compare runs, each started afresh on a free loopback port for each scenario
 * (so its peak RSS is that scenario's) and stopped after it:
 *   - ours: `node apps/server/dist/main.js --port 0`, the port read from its "listening" log line;
 *   - RabbitMQ: `rabbitmq-server` as its own node (name, ports, data and logs in a temporary
 *     directory), as shared/rabbitmq.md runs it, so a RabbitMQ already running is left alone.
 * Each is stopped by the pid we started it with, never by name.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import amqp from "amqplib";
import { isAlive } from "./proc.js";

export interface RunningBroker {
  readonly name: string;
  readonly uri: string;
  /** The broker's own process (node, or Erlang's beam.smp), for RSS and CPU. */
  readonly pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function stopChild(child: ChildProcess, pid: number, graceMs: number): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
  if (child.pid !== undefined && child.pid !== pid && isAlive(child.pid)) {
    // The rabbitmq-server shell: its whole process group (we made it the leader), by its id.
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  }
}

/** Our server, from its built binary, with its data directory in a fresh temporary directory. */
export function startOurs(serverMain: string): Promise<RunningBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), "amqp-bench-ours-"));
  const args = [serverMain, "--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--log-level", "info", "--data-dir", dataDir];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  return listeningPort(child, 15_000).then((port) => ({
    name: "amqp-go",
    uri: `amqp://guest:guest@127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      await stopChild(child, child.pid!, 10_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  }));
}

/**
 * The port an amqp-server child reports in its JSON "listening" log line; rejects if it exits
 * first or takes longer than `timeoutMs` (`context()` adds to the message, e.g. its stderr).
 */
export function listeningPort(child: ChildProcess, timeoutMs: number, context: () => string = () => ""): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`amqp-server did not log "listening" within ${timeoutMs / 1000} s${context()}`)), timeoutMs);
    child.on("exit", (code) => reject(new Error(`amqp-server exited with ${code} before listening${context()}`)));
    createInterface({ input: child.stdout! }).on("line", (text) => {
      let line: { msg?: string; port?: number };
      try {
        line = JSON.parse(text) as typeof line;
      } catch {
        return;
      }
      if (line.msg !== "listening" || line.port === undefined) return;
      clearTimeout(timer);
      resolve(line.port);
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
    s.connect(port, "127.0.0.1");
  });
}

const EPMD_PORT = 4369;

/** A RabbitMQ node of our own, started with `rabbitmq-server` (shared/rabbitmq.md's settings). */
export async function startRabbitMQ(server: string): Promise<RunningBroker> {
  const dir = mkdtempSync(join(tmpdir(), "amqp-bench-rmq-"));
  for (const sub of ["home", "log", "mnesia"]) mkdirSync(join(dir, sub));
  const port = await freePort();
  const distPort = await freePort();
  writeFileSync(join(dir, "rabbitmq.conf"), `listeners.tcp.1 = 127.0.0.1:${port}\nlog.file.level = warning\nlog.console = false\n`);
  writeFileSync(join(dir, "enabled_plugins"), "[].\n");
  const epmdBefore = await listening(EPMD_PORT);
  const env = {
    ...process.env,
    HOME: join(dir, "home"),
    RABBITMQ_NODENAME: `amqpbench${process.pid}x${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: join(dir, "rabbitmq.conf"),
    RABBITMQ_CONF_ENV_FILE: join(dir, "none-rabbitmq-env.conf"),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, "enabled_plugins"),
    RABBITMQ_MNESIA_BASE: join(dir, "mnesia"),
    RABBITMQ_LOG_BASE: join(dir, "log"),
    RABBITMQ_PID_FILE: join(dir, "node.pid"),
    ERL_EPMD_ADDRESS: "127.0.0.1",
    ERL_EPMD_PORT: String(EPMD_PORT),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-kernel inet_dist_use_interface {127,0,0,1}",
  };
  // detached: the shell and the Erlang VM get a process group of their own, so that we can end
  // exactly what we started.
  const child = spawn(server, [], { env, detached: true, stdio: ["ignore", "ignore", "ignore"] });
  const uri = `amqp://guest:guest@127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`rabbitmq-server exited while starting; logs in ${join(dir, "log")}`);
    if (Date.now() > deadline) throw new Error(`RabbitMQ did not accept AMQP connections within 90 s; logs in ${join(dir, "log")}`);
    // The port opens before the node has booted: a whole AMQP handshake says it is ready.
    const conn = await amqp.connect(uri).catch(() => undefined);
    if (conn !== undefined) {
      await conn.close();
      break;
    }
    await sleep(250);
  }
  const pidFile = join(dir, "node.pid");
  while (!existsSync(pidFile) || readFileSync(pidFile, "utf8").trim() === "") await sleep(100);
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  return {
    name: "RabbitMQ",
    uri,
    pid,
    async stop() {
      // RabbitMQ 3.10 stops cleanly on SIGTERM to the VM.
      await stopChild(child, pid, 30_000);
      if (!epmdBefore) await stopOurEpmd();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The epmd our node started when none ran before (as shared/rabbitmq.md's stop.sh does). */
async function stopOurEpmd(): Promise<void> {
  const { execFileSync } = await import("node:child_process");
  try {
    const out = execFileSync("ss", ["-ltnpH", `sport = :${EPMD_PORT}`], { encoding: "utf8" });
    const pid = /pid=(\d+)/.exec(out)?.[1];
    if (pid !== undefined) process.kill(Number(pid), "SIGTERM");
  } catch {}
}

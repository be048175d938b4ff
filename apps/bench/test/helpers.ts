/**
 * Our real server (the built apps/server binary) as a child process on a free port, and the built
 * bench binary run against it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { listeningPort } from "../src/compare/brokers.js";
import { fileURLToPath } from "node:url";

export const bench = fileURLToPath(new URL("../dist/main.js", import.meta.url));
export const server = join(dirname(createRequire(import.meta.url).resolve("@amqp-go/server/package.json")), "dist", "main.js");

export function assertBuilt(): void {
  for (const file of [bench, server]) if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm build\` first`);
}

/** process.env without AMQP_* variables, so the developer's shell cannot change the server. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith("AMQP_")) env[name] = value;
  return env;
}

export interface Server {
  readonly child: ChildProcess;
  readonly uri: string;
  stop(): Promise<void>;
}

/** Starts `amqp-server --port 0` and resolves once its "listening" line gives the port. */
export function startServer(): Promise<Server> {
  // Its own data directory: the server keeps durable definitions there.
  const dataDir = mkdtempSync(join(tmpdir(), "amqp-bench-test-"));
  const args = [server, "--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--log-level", "info", "--data-dir", dataDir];
  const child = spawn(process.execPath, args, { env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((done) => child.on("exit", () => done()));
  return listeningPort(child, 30_000, () => `; stderr: ${stderr}`).then((port) => ({
    child,
    uri: `amqp://guest:guest@127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  }));
}

export interface BenchRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Runs the bench binary to completion; `during` is called with the child once it started. */
export function runBench(args: string[], during?: (child: ChildProcess) => void, timeoutMs = 60_000): Promise<BenchRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [bench, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  during?.(child);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** The JSON object on the last line of stdout. */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trimEnd().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

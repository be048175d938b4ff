/** Runs the built binary (dist/main.js) as a child process and reads its JSON log lines. */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

export const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`tsc -b\` in apps/server first`);
}

/** process.env without AMQP_* variables, so the developer's shell cannot change the result. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("AMQP_")) env[name] = value;
  }
  return { ...env, ...extra };
}

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the binary to completion. */
export function runBinary(args: string[], env: Record<string, string> = {}): Run {
  const { status, stdout, stderr } = spawnSync(process.execPath, [main, ...args], { env: cleanEnv(env), encoding: "utf8", timeout: 10_000 });
  return { status, stdout, stderr };
}

export type LogLine = Record<string, unknown> & { level: number; msg: string };

export interface ServerProcess {
  readonly child: ChildProcess;
  /** Every JSON line seen on stdout so far. */
  readonly lines: LogLine[];
  /** Resolves with the first line (seen or to come) that `match` accepts. */
  line(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts the binary; stop it with `child.kill()`. */
export function spawnServer(args: string[], env: Record<string, string> = {}): ServerProcess {
  const child = spawn(process.execPath, [main, ...args], { env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  const lines: LogLine[] = [];
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  createInterface({ input: child.stdout! }).on("line", (text) => {
    const line = JSON.parse(text) as LogLine;
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.match(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on("exit", (code, signal) => {
      // stderr may still be draining after "exit"; "close" follows once every stdio stream ends.
      child.on("close", () => resolve({ code, signal, stderr }));
    });
  });
  return {
    child,
    lines,
    exited,
    line(match, timeoutMs = 5000) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching log line within ${timeoutMs} ms; stdout: ${JSON.stringify(lines)}; stderr: ${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(({ code }) => reject(new Error(`exited with ${code} before the line; stderr: ${stderr}`)));
      });
    },
  };
}

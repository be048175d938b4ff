/** Child processes that report as JSON lines on stdout: the burst runner (dist/burst.js) and the pika scripts. */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface ChildRun<T> {
  readonly child: ChildProcess;
  /** Every JSON line seen on stdout so far. */
  readonly lines: T[];
  /** The first line (seen or to come) that `match` accepts; fails after `timeoutMs` or when the child exits first. */
  line(what: string, match: (line: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Exit code and stderr, once the child is gone. */
  readonly exited: Promise<{ code: number | null; stderr: string }>;
}

/** Starts `command`; stdout lines that are not JSON are kept as `{ text }`. The child is killed after `killAfterMs`. */
export function runChild<T = Record<string, unknown>>(command: string, args: string[], killAfterMs = 60_000): ChildRun<T> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  const lines: T[] = [];
  const waiters = new Set<() => void>();
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  createInterface({ input: child.stdout! }).on("line", (text) => {
    let line: T;
    try {
      line = JSON.parse(text) as T;
    } catch {
      line = { text } as T;
    }
    lines.push(line);
    for (const w of [...waiters]) w();
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.on("close", (code) => {
      clearTimeout(killer);
      for (const w of [...waiters]) w();
      resolve({ code, stderr });
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    child,
    lines,
    exited,
    line(what, match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`${what}: no such line within ${timeoutMs} ms; lines: ${JSON.stringify(lines)}; stderr: ${stderr}`)), timeoutMs);
        const check = () => {
          const seen = lines.find(match);
          if (seen !== undefined) return finish(undefined, seen);
          if (done) finish(new Error(`${what}: the child exited first; lines: ${JSON.stringify(lines)}; stderr: ${stderr}`));
        };
        const finish = (err?: Error, line?: T) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (err) reject(err);
          else resolve(line as T);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** dist/burst.js, built by `tsc -b` (turbo builds it before the tests). */
export const burstScript = fileURLToPath(new URL("../dist/burst.js", import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(burstScript)) throw new Error(`${burstScript} is missing: run \`pnpm build\` (or \`tsc -b\` in test/clients) first`);
}

/** pika, Python's AMQP client (Debian's python3-pika), run by /usr/bin/python3 on pika/scenarios.py. */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type ChildRun, runChild } from "./child.js";

export const PYTHON = "/usr/bin/python3";
export const scenarios = fileURLToPath(new URL("../pika/scenarios.py", import.meta.url));

/** pika's version, or undefined when /usr/bin/python3 cannot import it. */
export function pikaVersion(): string | undefined {
  const r = spawnSync(PYTHON, ["-c", "import pika; print(pika.__version__)"], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** One line of pika/scenarios.py: an event while it runs, its result last, or the error it died of. */
export interface PikaLine {
  event?: string;
  reason?: string;
  result?: Record<string, unknown>;
  error?: string;
}

/** Starts a scenario against the broker on `port`. */
export function startPika(scenario: string, port: number, args: string[] = [], killAfterMs = 60_000): ChildRun<PikaLine> {
  return runChild<PikaLine>(PYTHON, [scenarios, scenario, String(port), ...args], killAfterMs);
}

/** Runs a scenario to its end and returns its result; fails with the Python traceback if it has none. */
export async function runPika<T = Record<string, unknown>>(scenario: string, port: number, args: string[] = []): Promise<T> {
  const run = startPika(scenario, port, args);
  const { code, stderr } = await run.exited;
  const last = run.lines.at(-1);
  if (code !== 0 || last?.result === undefined) {
    throw new Error(`pika scenario ${scenario} exited with ${code}: ${last?.error ?? JSON.stringify(run.lines)}${stderr ? `\nstderr: ${stderr}` : ""}`);
  }
  return last.result as T;
}

#!/usr/bin/env node
/**
 * amqp-bench: runs a scenario against each --uri in turn, prints a progress line each second and a
 * summary per broker (and the ratio of the first to the others), or with --json one JSON object as
 * the last line of stdout. Exit codes: 0 when every run finished with matching counts, 1 when a run
 * failed (a connection lost, the broker gone, counts that do not match), 2 for a usage error.
 */
import { parseCommandLine } from "./cli.js";
import { messageOf, RunError, UsageError } from "./errors.js";
import { ratio, ratioLine, summary } from "./report.js";
import type { RunResult } from "./result.js";
import { runScenario } from "./run.js";

function exit(code: number): void {
  // Let stdout and stderr drain (they may be pipes) before exiting.
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

async function main(): Promise<void> {
  let cmd: ReturnType<typeof parseCommandLine>;
  try {
    cmd = parseCommandLine(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`amqp-bench: ${messageOf(err)}\n`);
    return exit(UsageError.exitCode);
  }
  if (cmd.kind === "print") {
    process.stdout.write(`${cmd.text}\n`);
    return exit(0);
  }
  const human = cmd.json ? process.stderr : process.stdout;
  const out = { line: (text: string) => human.write(`${text}\n`) };
  const results: RunResult[] = [];
  for (const [i, uri] of cmd.uris.entries()) {
    const label = cmd.uris.length > 1 ? `${i + 1}/${cmd.uris.length}` : "bench";
    try {
      const r = await runScenario(cmd.options, uri, out, label);
      results.push(r);
      for (const line of summary(r)) out.line(line);
    } catch (err) {
      process.stderr.write(`amqp-bench: ${messageOf(err)}\n`);
      return exit(err instanceof UsageError ? UsageError.exitCode : RunError.exitCode);
    }
  }
  const [first, ...others] = results;
  for (const other of others) out.line(ratioLine(first!, other));
  if (cmd.json) {
    const json = results.length === 1 ? first : { runs: results, ratios: others.map((other) => ratio(first!, other)) };
    process.stdout.write(`${JSON.stringify(json)}\n`);
  }
  const failed = results.filter((r) => !r.ok);
  for (const r of failed) process.stderr.write(`amqp-bench: ${r.uri}: ${r.errors.join("; ")}\n`);
  exit(failed.length > 0 ? RunError.exitCode : 0);
}

void main();

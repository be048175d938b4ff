/** Running a yargs command line without letting yargs print or exit: the CLIs decide what to do. */
import type { Argv } from "yargs";

export interface ParsedArgs {
  readonly argv: Record<string, unknown>;
  /** What yargs would have printed (--help), or "". */
  readonly output: string;
  /** Why the command line is wrong, or undefined. */
  readonly failure: Error | undefined;
}

export function parseQuietly(cli: Argv, args: readonly string[]): ParsedArgs {
  let failure: Error | undefined;
  let output = "";
  let argv: Record<string, unknown> = {};
  cli.parse([...args], {}, (err, parsed, out) => {
    if (err) failure = err;
    output = out;
    argv = parsed as Record<string, unknown>;
  });
  return { argv, output, failure };
}

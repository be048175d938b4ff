/**
 * Errors of the bench, in one place. A `UsageError` is the user's to fix (a bad flag or scenario):
 * the binary prints it on one line and exits 2. A `RunError` ends a run that started (the broker
 * refused or dropped a connection, an agent died, counts did not match): one line, exit 1.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly code = "ERR_AMQP_BENCH_USAGE";
  static readonly exitCode = 2;

  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, " "));
  }
}

export class RunError extends Error {
  override readonly name = "RunError";
  readonly code = "ERR_AMQP_BENCH_RUN";
  static readonly exitCode = 1;

  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, " "));
  }
}

/** The message of anything thrown, on one line. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, " ");
}

/** The one message for a connection the broker closed or the network dropped, whichever client saw it first. */
export function lostConnection(role: string, why: unknown): string {
  return `connection to the broker lost (${why === undefined ? "closed without connection.close" : messageOf(why)}), seen first by ${role}`;
}

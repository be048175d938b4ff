/**
 * Errors of the server binary, in one place. A `ConfigError` is the user's to fix (a bad flag, a bad
 * value, an unknown key): the binary prints its one-line message on stderr and exits with code 2,
 * the usual code for a usage error.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "ERR_AMQP_SERVER_CONFIG";
  static readonly exitCode = 2;

  constructor(message: string) {
    // One line on stderr: a JSON.parse message or a path can carry newlines.
    super(message.replace(/\s*\n\s*/g, " "));
  }
}

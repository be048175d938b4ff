/**
 * The ports the broker calls and the application plugs in: logging, authentication. Each has an
 * in-memory default so the broker runs and is tested alone.
 */

/** The subset of pino's Logger the broker uses; a pino logger fits as is. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled?(level: string): boolean;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** Who is connecting: what the authenticator decides on. */
export interface LoginAttempt {
  readonly mechanism: string;
  /** The SASL response of connection.start-ok. */
  readonly response: Buffer;
  readonly remoteAddress: string;
}

export type LoginResult = { readonly ok: true; readonly user: string } | { readonly ok: false; readonly reason: string };

/** Checks credentials. The default accepts guest/guest on PLAIN and AMQPLAIN. */
export interface Authenticator {
  /** Mechanisms offered in connection.start, in order of preference. */
  readonly mechanisms: readonly string[];
  authenticate(attempt: LoginAttempt): LoginResult;
  /** May `user` open `vhost`? */
  canAccessVhost(user: string, vhost: string): boolean;
}

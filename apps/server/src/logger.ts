/**
 * The server's pino logger: JSON lines to stdout or to `log.file`, or pretty lines (pino-pretty)
 * when stdout is a terminal and no file is set.
 *
 * Writes are synchronous (sonic-boom with `sync: true`), not pino's asynchronous default: the broker
 * logs per connection, not per message, so throughput does not need it, and asynchronous sonic-boom
 * has no way to wait for a write already in flight (its `flush(cb)` calls back at once when
 * `minLength` is 0), so the last lines before `process.exit` (the 320 shutdown, a fatal error)
 * could be lost.
 */
import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";
import type { ServerConfig } from "./config.js";
import { ConfigError } from "./errors.js";

export interface LogOutput {
  readonly logger: Logger;
  /** Resolves once every buffered line is written. */
  flush(): Promise<void>;
  /**
   * Opens the log file again by its path (after logrotate renamed it, SIGHUP): later lines go to a
   * new file there. Nothing to do for stdout. Throws when the file cannot be opened; lines then
   * keep going to the old one.
   */
  reopen(): void;
}

export interface LogTarget {
  /** Write here instead of stdout or the file (tests). */
  readonly destination?: DestinationStream;
  /** Whether stdout is a terminal; default `process.stdout.isTTY`. */
  readonly isTTY?: boolean;
}

const nothing = (): void => {};

export function createLogger(log: ServerConfig["log"], target: LogTarget = {}): LogOutput {
  const options = { level: log.level };
  if (target.destination !== undefined) {
    return { logger: pino(options, target.destination), flush: () => Promise.resolve(), reopen: nothing };
  }
  if (log.file === null && (target.isTTY ?? process.stdout.isTTY === true)) {
    const stream = pretty({ colorize: true, sync: true, ignore: "pid,hostname", translateTime: "SYS:HH:MM:ss.l" });
    return { logger: pino(options, stream), flush: () => Promise.resolve(), reopen: nothing };
  }
  const stream = log.file === null ? pino.destination({ dest: 1, sync: true }) : openLogFile(log.file);
  const logger = pino(options, stream);
  return {
    logger,
    flush: () => new Promise((resolve) => logger.flush(() => resolve())),
    reopen: log.file === null ? nothing : () => stream.reopen(),
  };
}

/**
 * Opened by path (so that `reopen` can open it again), here and synchronously, so that a bad path
 * is a config error (exit 2), not a crash later.
 */
function openLogFile(file: string): ReturnType<typeof pino.destination> {
  try {
    return pino.destination({ dest: file, sync: true, append: true, mkdir: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(`log.file ${file}: cannot open it for writing (${code})`);
  }
}

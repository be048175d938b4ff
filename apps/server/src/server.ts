/**
 * One running server: the command line and environment turned into a config, a logger and a
 * listening Broker. main.ts adds the process around it (signals, exit codes); tests call
 * `startServer` directly to run it in-process.
 */
import { Broker } from "@amqp-go/broker";
import type { Logger } from "pino";
import { parseCommandLine, version } from "./cli.js";
import { loadConfig, type ServerConfig, toBrokerOptions } from "./config.js";
import { createLogger, type LogTarget } from "./logger.js";

export interface RunningServer {
  readonly kind: "running";
  readonly config: ServerConfig;
  readonly logger: Logger;
  /** The port and address actually bound (port 0 in the config picks one). */
  readonly port: number;
  readonly address: string;
  /** Closes every connection with 320 CONNECTION_FORCED, stops listening and flushes the log. */
  stop(reason?: string): Promise<void>;
  /** Writes out buffered log lines. */
  flush(): Promise<void>;
}

/** What --help or --version asked to print. */
export interface PrintRequest {
  readonly kind: "print";
  readonly text: string;
}

/**
 * Parses `args` (argv without node and the script) and `env`, then starts listening. Throws a
 * ConfigError for a bad flag, variable or file (exit code 2); a listen error (EADDRINUSE) is logged
 * as fatal and rethrown.
 */
export async function startServer(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  target: LogTarget = {},
): Promise<RunningServer | PrintRequest> {
  const commandLine = parseCommandLine(args);
  if (commandLine.kind === "print") return commandLine;
  const config = loadConfig({ file: commandLine.configFile, env, flags: commandLine.flags });
  const { logger, flush } = createLogger(config.log, target);
  logger.debug({ version, config }, "config");

  const broker = new Broker(toBrokerOptions(config, logger));
  const { host, port } = config.server;
  let bound: { port: number; address: string };
  try {
    bound = await broker.listen(host === null ? { port } : { port, host });
  } catch (err) {
    logger.fatal({ err, port, host }, "cannot listen");
    await flush();
    throw err;
  }
  logger.info({ port: bound.port, host: bound.address }, "listening");

  return {
    kind: "running",
    config,
    logger,
    port: bound.port,
    address: bound.address,
    flush,
    async stop(reason = "shutdown") {
      await broker.close(reason);
      logger.info({ reason }, "stopped");
      await flush();
    },
  };
}

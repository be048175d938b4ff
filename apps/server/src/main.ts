#!/usr/bin/env node
/**
 * amqp-server: starts the broker from flags, AMQP_* variables and --config, and stops it on
 * SIGTERM or SIGINT, closing every connection with 320 CONNECTION_FORCED, then exits 0. A second
 * signal exits at once with 128 + the signal number. Exit codes: 2 for a config error (one line on
 * stderr), 1 when the broker cannot start or stop.
 */
import { constants } from "node:os";
import { ConfigError } from "./errors.js";
import { startServer } from "./server.js";

async function main(): Promise<void> {
  let started: Awaited<ReturnType<typeof startServer>>;
  try {
    started = await startServer(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`amqp-server: ${(err as Error).message}\n`);
    process.exit(err instanceof ConfigError ? ConfigError.exitCode : 1);
  }
  if (started.kind === "print") {
    process.stdout.write(`${started.text}\n`);
    return;
  }

  const server = started;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      server.logger.warn({ signal }, "second signal, exiting now");
      process.exit(128 + constants.signals[signal]);
    }
    stopping = true;
    server.logger.info({ signal }, "shutting down");
    server.stop("shutdown").then(
      () => process.exit(0),
      async (err: unknown) => {
        server.logger.error({ err }, "shutdown failed");
        await server.flush();
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

void main();

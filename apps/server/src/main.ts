#!/usr/bin/env node
/**
 * amqp-server: starts the broker from flags, AMQP_* variables and --config, and stops it on
 * SIGTERM or SIGINT, closing every connection with 320 CONNECTION_FORCED, then exits 0. A second
 * signal exits at once with 128 + the signal number. SIGHUP reopens the log file and reloads the
 * users file and the live settings (RunningServer.reload). Exit codes: 2 for a config error (one line on
 * stderr), 1 when the broker cannot start or stop.
 */
import { constants } from "node:os";
import { ConfigError } from "./errors.js";
import { type RunningServer, startServer } from "./server.js";

async function main(): Promise<void> {
  let server: RunningServer | undefined;
  let stopping: NodeJS.Signals | undefined;

  const stop = (s: RunningServer, signal: NodeJS.Signals): void => {
    s.logger.info({ signal }, "shutting down");
    s.stop("shutdown").then(
      () => process.exit(0),
      async (err: unknown) => {
        s.logger.error({ err }, "shutdown failed");
        await s.flush();
        process.exit(1);
      },
    );
  };
  // Installed before the server starts, so that a signal arriving as it starts is not lost.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping !== undefined) {
      server?.logger.warn({ signal }, "second signal, exiting now");
      process.exit(128 + constants.signals[signal]);
    }
    stopping = signal;
    if (server !== undefined) stop(server, signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  // SIGHUP reloads (log file, users file, live settings) instead of killing the process. One that
  // arrives while the server starts or stops changes nothing: it reads everything then anyway.
  process.on("SIGHUP", () => {
    if (server !== undefined && stopping === undefined) server.reload();
  });

  let started: Awaited<ReturnType<typeof startServer>>;
  try {
    started = await startServer(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`amqp-server: ${(err as Error).message}\n`);
    process.exit(err instanceof ConfigError ? ConfigError.exitCode : 1);
  }
  if (started.kind === "print") {
    process.stdout.write(`${started.text}\n`);
    process.exit(0);
  }
  server = started;
  if (stopping !== undefined) stop(server, stopping);
}

void main();

/**
 * One running server: the command line and environment turned into a config, a logger and a
 * listening Broker. main.ts adds the process around it (signals, exit codes); tests call
 * `startServer` directly to run it in-process.
 */
import { Broker } from "@amqp-go/broker";
import { type ManagementServer, startManagementServer } from "@amqp-go/management";
import { brokerEndpoints, type MetricsServer, startMetricsServer } from "@amqp-go/metrics";
import type { Logger } from "pino";
import { runAdmin } from "./admin.js";
import { parseCommandLine, version } from "./cli.js";
import { clusterPermanentId } from "./cluster-id.js";
import { type ConfigSources, loadConfig, redactedConfig, type ServerConfig, toBrokerOptions } from "./config.js";
import { DataDirLock } from "./data-dir-lock.js";
import { writeGeneratedConfig } from "./generate-config.js";
import { loadDefinitions } from "./load-definitions.js";
import { createLogger, type LogTarget } from "./logger.js";
import { applyLive, type ReloadReport, reloadConfig } from "./reload.js";
import { startupLine } from "./startup-line.js";
import { listenTls, type TlsListener, tlsOptions } from "./tls-listener.js";
import { ServerUsers } from "./users.js";

export interface RunningServer {
  readonly kind: "running";
  /** The config in force: as started, with the live settings of the last reload. */
  readonly config: ServerConfig;
  readonly logger: Logger;
  /** The port and address actually bound (port 0 in the config picks one). */
  readonly port: number;
  readonly address: string;
  /** The TLS listener's port, when it runs. */
  readonly tlsPort: number | undefined;
  /** The management API's port, when it runs. */
  readonly managementPort: number | undefined;
  /** Closes every connection with 320 CONNECTION_FORCED, stops listening and flushes the log. */
  stop(reason?: string): Promise<void>;
  /** Writes out buffered log lines. */
  flush(): Promise<void>;
  /** SIGHUP: reopens the log file, reloads the users file and the live settings (reload.ts); logs one line. */
  reload(): ReloadReport;
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
  if (commandLine.kind === "admin") return { kind: "print", text: runAdmin(commandLine, env) };
  if (commandLine.kind === "generate-config") return { kind: "print", text: writeGeneratedConfig(commandLine.file, version) };
  const sources: ConfigSources = { file: commandLine.configFile, env, flags: commandLine.flags };
  let config = loadConfig(sources);
  const { logger, flush, reopen } = createLogger(config.log, target);
  logger.debug({ version, config: redactedConfig(config) }, "config");

  // Before anything opens the data dir: a second server on it stops here. Released on every
  // failure below and on stop.
  let lock: DataDirLock;
  try {
    lock = DataDirLock.acquire(config.server.data_dir);
  } catch (err) {
    logger.fatal({ err: (err as Error).message, dataDir: config.server.data_dir }, "cannot lock the data directory");
    await flush();
    throw err;
  }
  let users: ServerUsers;
  let broker: Broker;
  let tls: ReturnType<typeof tlsOptions>;
  try {
    tls = tlsOptions(config);
    users = new ServerUsers(config, logger);
    broker = new Broker({ ...toBrokerOptions(config, logger), authenticator: users.authenticator });
  } catch (err) {
    lock.release();
    throw err;
  }
  users.attach(broker);
  const { host, port } = config.server;
  // One id for the node: rabbitmq_identity_info's and the internal_cluster_id global parameter, as RabbitMQ's.
  const clusterId = clusterPermanentId(config.server.data_dir);
  // Prometheus on metrics_port (0: off), up before recovery: /healthz answers while the messages
  // are recovered, /readyz turns ready once they are and the listeners are open.
  let metrics: MetricsServer | undefined;
  let tlsListener: TlsListener | undefined;
  /** Undoes a start that failed part-way: what was opened is closed and the data dir unlocked. */
  const abortStart = async (err: unknown): Promise<never> => {
    users.close();
    await tlsListener?.close();
    await metrics?.close();
    await broker.close("startup failed");
    lock.release();
    await flush();
    throw err;
  };
  if (config.server.metrics_port !== 0) {
    try {
      const endpoints = brokerEndpoints(broker, {
        perObject: config.server.metrics_per_object,
        identity: { version, clusterPermanentId: clusterId },
      });
      metrics = await startMetricsServer({ registry: endpoints, port: config.server.metrics_port, host: host ?? undefined });
    } catch (err) {
      logger.fatal({ err, port: config.server.metrics_port }, "cannot listen for metrics");
      return abortStart(err);
    }
    logger.info({ port: metrics.port }, "metrics listening");
  }
  // load_definitions: once recovered (a failed recovery is left to listen() to report), before
  // any listener accepts.
  const definitions = config.server.load_definitions;
  if (definitions !== null && (await broker.ready.then(() => true, () => false))) {
    try {
      loadDefinitions(definitions, { broker, users, dataDir: config.server.data_dir, clusterId }, logger);
    } catch (err) {
      logger.fatal({ err: (err as Error).message, file: definitions }, "cannot load definitions");
      return abortStart(err);
    }
  }
  let bound: { port: number; address: string };
  try {
    bound = await broker.listen(host === null ? { port } : { port, host });
  } catch (err) {
    logger.fatal({ err, port, host }, "cannot listen");
    return abortStart(err);
  }
  logger.info({ port: bound.port, host: bound.address }, "listening");

  if (tls !== undefined) {
    try {
      tlsListener = await listenTls(tls, config, broker, logger);
    } catch (err) {
      logger.fatal({ err, port: config.tls.port, host }, "cannot listen for TLS");
      return abortStart(err);
    }
    logger.info({ port: tlsListener.port, host: tlsListener.address }, "listening for TLS");
  }

  // The management API (RabbitMQ's HTTP API) on management_port (0: off), once the broker listens.
  let management: ManagementServer | undefined;
  if (config.server.management_port !== 0) {
    try {
      management = await startManagementServer({
        broker,
        users,
        port: config.server.management_port,
        host: host ?? undefined,
        logger,
        dataDir: config.server.data_dir,
        clusterId,
        version,
        listeners: [
          { protocol: "amqp", port: bound.port, ip: bound.address },
          ...(tlsListener === undefined ? [] : [{ protocol: "amqp/ssl", port: tlsListener.port, ip: tlsListener.address }]),
        ],
      });
    } catch (err) {
      logger.fatal({ err, port: config.server.management_port }, "cannot listen for the management API");
      return abortStart(err);
    }
    logger.info({ port: management.port }, "management API listening");
  }

  metrics?.ready();
  const { fields, msg } = startupLine({
    version,
    dataDir: config.server.data_dir,
    configFile: commandLine.configFile,
    listeners: {
      amqp: bound,
      amqps: tlsListener === undefined ? undefined : { address: tlsListener.address, port: tlsListener.port },
      metrics: metrics === undefined ? undefined : { address: host ?? "::", port: metrics.port },
      management: management === undefined ? undefined : { address: host ?? "::", port: management.port },
    },
    broker: broker.options,
  });
  logger.info(fields, msg);

  return {
    kind: "running",
    get config() {
      return config;
    },
    logger,
    port: bound.port,
    address: bound.address,
    tlsPort: tlsListener?.port,
    managementPort: management?.port,
    flush,
    reload() {
      let logError: string | undefined;
      try {
        reopen();
      } catch (err) {
        logError = (err as Error).message;
      }
      users.reload();
      const reloaded = reloadConfig(sources, config);
      let report: ReloadReport = { logReopened: config.log.file !== null && logError === undefined, applied: [], needsRestart: [] };
      if (logError !== undefined) report = { ...report, logError };
      if ("error" in reloaded) {
        report = { ...report, configError: reloaded.error };
      } else {
        config = reloaded.config;
        applyLive(config, { logger, users });
        report = { ...report, applied: reloaded.applied, needsRestart: reloaded.needsRestart };
      }
      const problem = report.logError !== undefined || report.configError !== undefined || report.needsRestart.length > 0;
      logger[problem ? "warn" : "info"](report, report.needsRestart.length > 0 ? "reloaded; some changed settings need a restart" : "reloaded");
      return report;
    },
    async stop(reason = "shutdown") {
      users.close();
      const tlsClosed = tlsListener?.close();
      await management?.close();
      await metrics?.close();
      await broker.close(reason);
      await tlsClosed;
      lock.release();
      logger.info({ reason }, "stopped");
      await flush();
    },
  };
}

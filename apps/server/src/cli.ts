/**
 * The command line: yargs turns argv into a config file path and flag overrides, or into text to
 * print (--help, --version). Every flag is read as text and checked by the config layer, so a bad
 * `--port` gets the same message as a bad AMQP_SERVER_PORT. No flag has a yargs default: an absent
 * flag must not hide the file or the environment.
 */
import { readFileSync } from "node:fs";
import yargs from "yargs";
import { ADMIN_NOUNS, type AdminCommandLine, parseAdminCommandLine } from "./admin-cli.js";
import { type Override, SCHEMA, type Section } from "./config.js";
import { ConfigError } from "./errors.js";

export type CommandLine =
  | { readonly kind: "run"; readonly configFile: string | undefined; readonly flags: readonly Override[] }
  | { readonly kind: "print"; readonly text: string }
  | AdminCommandLine;

interface Flag {
  readonly section: Section;
  readonly key: string;
  readonly describe: string;
}

const FLAGS: Readonly<Record<string, Flag>> = {
  port: { section: "server", key: "port", describe: "AMQP port, 0 for any free port" },
  host: { section: "server", key: "host", describe: "Interface to listen on (default: every interface, IPv6 and IPv4)" },
  "data-dir": { section: "server", key: "data_dir", describe: "Directory for durable state" },
  "metrics-port": { section: "server", key: "metrics_port", describe: "Prometheus metrics port, 0 to disable" },
  "wal-batch-size": { section: "storage", key: "wal_batch_size", describe: "Write-ahead log batch size in octets" },
  "wal-batch-delay": { section: "storage", key: "wal_batch_delay", describe: "ms a log batch waits for more records (0: one event-loop turn)" },
  "segment-size": { section: "storage", key: "segment_size", describe: "Queue segment file size in octets" },
  "queue-memory-size": { section: "storage", key: "queue_memory_size", describe: "Octets of the newest messages each durable queue keeps in memory" },
  "ring-buffer-size": { section: "storage", key: "queue_memory_size", describe: "Old name of --queue-memory-size" },
  "checkpoint-interval": { section: "storage", key: "checkpoint_interval", describe: "ms between checkpoints of the write-ahead log" },
  "log-level": { section: "log", key: "level", describe: "Log level: fatal, error, warn, info, debug, trace or silent" },
  "log-file": { section: "log", key: "file", describe: "Write JSON logs to this file instead of stdout" },
  "users-file": { section: "auth", key: "users_file", describe: "Users, vhosts and permissions (default: <data-dir>/users.json)" },
  "tls-port": { section: "tls", key: "port", describe: "AMQPS port, used when --tls-cert-file and --tls-key-file are given" },
  "tls-cert-file": { section: "tls", key: "cert_file", describe: "Server certificate (PEM) for the TLS listener" },
  "tls-key-file": { section: "tls", key: "key_file", describe: "Its private key (PEM)" },
  "tls-ca-file": { section: "tls", key: "ca_file", describe: "CA certificates (PEM) that client certificates are verified against" },
};

/** The version of this package, for --version. */
export const version: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

function describe(flag: Flag): string {
  const value = (SCHEMA[flag.section] as Record<string, { default: unknown }>)[flag.key]?.default;
  return value === null || value === undefined ? flag.describe : `${flag.describe} (default: ${String(value)})`;
}

/** `usageConfiguration` is in yargs 18 but not in @types/yargs 17. */
interface UsageConfigurable {
  usageConfiguration(config: { "hide-types": boolean }): unknown;
}

function keyList(): string {
  return Object.entries(SCHEMA)
    .map(([section, keys]) => `  ${section}: ${Object.keys(keys).join(", ")}`)
    .join("\n");
}

function parser(args: readonly string[]) {
  let cli = yargs([...args])
    .scriptName("amqp-server")
    .usage(
      "$0 [options]\n$0 users|vhosts|permissions|definitions <command> (see $0 users --help)\n\n" +
        "An AMQP 0.9.1 broker for RabbitMQ clients (amqp-go).",
    )
    .locale("en")
    .strict()
    .exitProcess(false)
    .showHelpOnFail(false)
    .parserConfiguration({ "duplicate-arguments-array": false })
    .option("config", { type: "string", requiresArg: true, describe: "Read settings from this JSON file (see below)" });
  for (const [name, flag] of Object.entries(FLAGS)) {
    cli = cli.option(name, { type: "string", requiresArg: true, describe: describe(flag) });
  }
  // Every flag is read as text, so yargs' "[string]" labels would mislead: hide them.
  (cli as unknown as UsageConfigurable).usageConfiguration({ "hide-types": true });
  return cli
    .help("help")
    .alias("help", "h")
    .version(version)
    .example("$0", "listen on 5672 on every interface")
    .example("$0 --port 5673 --log-level debug", "another port, debug logs")
    .example("$0 --config /etc/amqp-server.json", "settings from a file")
    .example("AMQP_CONNECTION_HEARTBEAT=30 $0", "override one key from the environment")
    .epilogue(
      "Precedence: defaults < --config file < AMQP_<SECTION>_<KEY> environment variables < flags.\n" +
        'The file is JSON, e.g. {"server": {"port": 5673}, "log": {"level": "debug"}}, with these keys:\n' +
        keyList(),
    )
    .wrap(100);
}

/** Parses argv (without node and the script). Throws a ConfigError for an unknown or bad flag. */
export function parseCommandLine(args: readonly string[]): CommandLine {
  if (args[0] !== undefined && ADMIN_NOUNS.has(args[0])) return parseAdminCommandLine(args);
  let result: CommandLine | undefined;
  let failure: Error | undefined;
  parser(args).parse([...args], {}, (err, argv, output) => {
    if (err) {
      failure = err;
      return;
    }
    if (output !== "") {
      result = { kind: "print", text: output };
      return;
    }
    const parsed = argv as Record<string, unknown>;
    const flags: Override[] = [];
    for (const [name, flag] of Object.entries(FLAGS)) {
      const text = parsed[name];
      if (typeof text === "string") flags.push({ section: flag.section, key: flag.key, text, source: `--${name}` });
    }
    const configFile = typeof parsed["config"] === "string" ? parsed["config"] : undefined;
    result = { kind: "run", configFile, flags };
  });
  if (failure !== undefined) throw new ConfigError(failure.message);
  if (result === undefined) throw new Error("yargs did not call back synchronously");
  return result;
}

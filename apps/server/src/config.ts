/**
 * The server's configuration: four sections of snake_case keys (the spelling of RabbitMQ's
 * rabbitmq.conf), their defaults, and how they are loaded:
 *
 *   defaults  <  --config FILE (JSON)  <  AMQP_<SECTION>_<KEY> variables  <  command-line flags
 *
 * Every value is checked where it is read, so an error names its source (the file, the variable or
 * the flag); an unknown section or key is an error too. Errors are ConfigErrors (exit code 2).
 */
import { readFileSync } from "node:fs";
import { totalmem } from "node:os";
import type { BrokerOptions, Logger } from "@amqp-go/broker";
import { boolean, type ConfigValue, integer, memoryFractionOrBytes, oneOf, optionalText, text, textList } from "./config-value.js";
import { ConfigError } from "./errors.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServerConfig {
  readonly server: {
    /** Interface to listen on; null (the default) means every interface, IPv6 and IPv4. */
    readonly host: string | null;
    /** AMQP port; 0 picks a free one. */
    readonly port: number;
    /** Where durable state lives: definitions, the write-ahead log, queue segments. */
    readonly data_dir: string;
    /** Prometheus endpoint port; 0 disables. */
    readonly metrics_port: number;
  };
  readonly connection: {
    /** Proposed in connection.tune, seconds; 0 disables. */
    readonly heartbeat: number;
    readonly frame_max: number;
    readonly channel_max: number;
    /** Time a client has to finish the handshake, ms. */
    readonly handshake_timeout: number;
  };
  readonly limits: {
    /** Largest message body accepted, octets. */
    readonly max_message_size: number;
    /** Publishers are blocked above this: a fraction of total memory, or bytes. */
    readonly memory_high_watermark: number;
  };
  readonly storage: {
    /** A write-ahead log batch is written once it holds this many octets. */
    readonly wal_batch_size: number;
    /** ms a log batch waits for more after its first record; 0: until the next event-loop turn. */
    readonly wal_batch_delay: number;
    /** The log rolls to a new file past this many octets. */
    readonly wal_file_size: number;
    /** A queue's segment file is closed past this many octets. */
    readonly segment_size: number;
    /** Octets of the newest messages each durable queue keeps in memory; older ones are read from disk. */
    readonly queue_memory_size: number;
    /** ms between checkpoints (segments synced, log files deleted). */
    readonly checkpoint_interval: number;
    /** ms between ack flushes; after a crash, acks of the last interval may come back. */
    readonly ack_flush_interval: number;
  };
  readonly log: {
    readonly level: LogLevel;
    /** Log to this file instead of stdout; null logs to stdout. */
    readonly file: string | null;
  };
  readonly auth: {
    /** The users file; null means `<data_dir>/users.json`. Without the file, only guest/guest from localhost. */
    readonly users_file: string | null;
    /** Users who may log in from loopback addresses only (RabbitMQ's loopback_users). */
    readonly loopback_users: readonly string[];
    /** Offer ANONYMOUS, logging in as this user; null (the default) does not offer it. */
    readonly anonymous_user: string | null;
    /** Failed logins per source address within failed_login_window before it is refused; 0 disables. */
    readonly failed_login_limit: number;
    /** ms. */
    readonly failed_login_window: number;
  };
  readonly tls: {
    /** AMQPS port; the listener runs when cert_file and key_file are set. */
    readonly port: number;
    readonly cert_file: string | null;
    readonly key_file: string | null;
    /** CA certificates that client certificates are verified against. */
    readonly ca_file: string | null;
    /** Ask clients for a certificate and refuse one the CA did not sign (RabbitMQ's verify_peer). */
    readonly verify_peer: boolean;
    /** Refuse clients without a certificate (needs verify_peer). */
    readonly fail_if_no_peer_cert: boolean;
  };
}

export type Section = keyof ServerConfig;

type Schema = { readonly [S in Section]: { readonly [K in keyof ServerConfig[S]]: ConfigValue<ServerConfig[S][K]> } };

const U16 = 65535;

/** Every key, its kind, range and default. Ranges are the wire's (u16, u32) or RabbitMQ's. */
export const SCHEMA: Schema = {
  server: {
    host: optionalText(),
    port: integer(0, U16, 5672),
    data_dir: text("./data"),
    metrics_port: integer(0, U16, 15692),
  },
  connection: {
    heartbeat: integer(0, U16, 60),
    // 4096 is the spec's frame-min-size; frame-max is a long (u32) in connection.tune.
    frame_max: integer(4096, 0xffff_ffff, 131072),
    channel_max: integer(1, U16, 2047),
    // setTimeout's largest delay.
    handshake_timeout: integer(1, 0x7fff_ffff, 10000),
  },
  limits: {
    // RabbitMQ's ceiling for max_message_size is 512 MiB.
    max_message_size: integer(1, 512 * 1024 * 1024, 128 * 1024 * 1024),
    memory_high_watermark: memoryFractionOrBytes(0.4),
  },
  storage: {
    wal_batch_size: integer(4096, 0x7fff_ffff, 1024 * 1024),
    wal_batch_delay: integer(0, 1000, 0),
    wal_file_size: integer(1024 * 1024, Number.MAX_SAFE_INTEGER, 64 * 1024 * 1024),
    // segment positions are u32 offsets within a file
    segment_size: integer(64 * 1024, 0xffff_ffff, 64 * 1024 * 1024),
    queue_memory_size: integer(0, Number.MAX_SAFE_INTEGER, 16 * 1024 * 1024),
    checkpoint_interval: integer(1, 0x7fff_ffff, 1000),
    ack_flush_interval: integer(1, 0x7fff_ffff, 200),
  },
  log: {
    level: oneOf(LOG_LEVELS, "info"),
    file: optionalText(),
  },
  auth: {
    users_file: optionalText(),
    loopback_users: textList(["guest"]),
    anonymous_user: optionalText(),
    failed_login_limit: integer(0, 1_000_000, 10),
    failed_login_window: integer(1, 0x7fff_ffff, 60_000),
  },
  tls: {
    port: integer(0, U16, 5671),
    cert_file: optionalText(),
    key_file: optionalText(),
    ca_file: optionalText(),
    verify_peer: boolean(false),
    fail_if_no_peer_cert: boolean(false),
  },
};

const SECTIONS = Object.keys(SCHEMA) as Section[];

/** A value given as text, by an environment variable or a flag. */
export interface Override {
  readonly section: string;
  readonly key: string;
  readonly text: string;
  /** Where it came from, for errors: "AMQP_SERVER_PORT", "--port". */
  readonly source: string;
}

export interface ConfigSources {
  /** Path of a JSON config file (--config). */
  readonly file?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command-line flags, already mapped to their keys. */
  readonly flags?: readonly Override[];
}

type MutableConfig = Record<string, Record<string, unknown>>;

export function defaultConfig(): ServerConfig {
  const config: MutableConfig = {};
  for (const section of SECTIONS) {
    const values: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(SCHEMA[section])) values[key] = (spec as ConfigValue<unknown>).default;
    config[section] = values;
  }
  return config as unknown as ServerConfig;
}

export function loadConfig(sources: ConfigSources = {}): ServerConfig {
  const config = defaultConfig() as unknown as MutableConfig;
  if (sources.file !== undefined) applyFile(config, sources.file);
  for (const override of envOverrides(sources.env ?? {})) applyText(config, override);
  for (const override of sources.flags ?? []) applyText(config, override);
  const result = config as unknown as ServerConfig;
  checkConfig(result);
  return result;
}

/**
 * The AMQP_<SECTION>_<KEY> variables, e.g. AMQP_SERVER_DATA_DIR -> server.data_dir. A variable with
 * one word after AMQP_ (AMQP_URL, which many clients read) is not ours and is skipped; any other
 * AMQP_ variable must name a known section and key.
 */
export function envOverrides(env: Readonly<Record<string, string | undefined>>): Override[] {
  const overrides: Override[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("AMQP_") || value === undefined) continue;
    const rest = name.slice(5).toLowerCase();
    const split = rest.indexOf("_");
    if (split <= 0) continue;
    overrides.push({ section: rest.slice(0, split), key: rest.slice(split + 1), text: value, source: name });
  }
  return overrides;
}

/** Old names still accepted, `section.old` -> the key's name now. */
const ALIASES: Readonly<Record<string, string>> = { "storage.ring_buffer_size": "queue_memory_size" };

function keyName(section: string, key: string): string {
  return ALIASES[`${section}.${key}`] ?? key;
}

function specOf(section: string, key: string, source: string): ConfigValue<unknown> {
  if (!Object.hasOwn(SCHEMA, section)) {
    throw new ConfigError(`${source}: unknown section "${section}" (sections: ${SECTIONS.join(", ")})`);
  }
  const keys = SCHEMA[section as Section] as Record<string, ConfigValue<unknown>>;
  if (!Object.hasOwn(keys, key)) {
    throw new ConfigError(`${source}: unknown key "${section}.${key}" (keys: ${Object.keys(keys).join(", ")})`);
  }
  return keys[key] as ConfigValue<unknown>;
}

function applyText(config: MutableConfig, { section, key: given, text, source }: Override): void {
  const key = keyName(section, given);
  const spec = specOf(section, key, source);
  const value = spec.fromText(text);
  if (value === undefined) {
    throw new ConfigError(`${source}: ${section}.${key} must be ${spec.expected}, got ${JSON.stringify(text)}`);
  }
  (config[section] as Record<string, unknown>)[key] = value;
}

function applyFile(config: MutableConfig, path: string): void {
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`--config ${path}: cannot read the file (${code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(json)) throw new ConfigError(`${path}: must hold a JSON object of sections (${SECTIONS.join(", ")})`);
  for (const [section, values] of Object.entries(json)) {
    if (!Object.hasOwn(SCHEMA, section)) {
      throw new ConfigError(`${path}: unknown section "${section}" (sections: ${SECTIONS.join(", ")})`);
    }
    if (!isObject(values)) throw new ConfigError(`${path}: section "${section}" must be an object`);
    for (const [given, raw] of Object.entries(values)) {
      const key = keyName(section, given);
      const spec = specOf(section, key, path);
      const value = spec.fromJson(raw);
      if (value === undefined) {
        throw new ConfigError(`${path}: ${section}.${key} must be ${spec.expected}, got ${JSON.stringify(raw)}`);
      }
      (config[section] as Record<string, unknown>)[key] = value;
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks across keys, once every source is in. */
function checkConfig(config: ServerConfig): void {
  const { port, metrics_port } = config.server;
  if (port !== 0 && port === metrics_port) {
    throw new ConfigError(`server.port and server.metrics_port are both ${port}; they need different ports`);
  }
  checkTls(config);
}

/** The TLS listener runs when both the certificate and its key are given. */
export function tlsEnabled(config: ServerConfig): boolean {
  return config.tls.cert_file !== null && config.tls.key_file !== null;
}

function checkTls(config: ServerConfig): void {
  const { tls, server } = config;
  if ((tls.cert_file === null) !== (tls.key_file === null)) {
    throw new ConfigError("tls.cert_file and tls.key_file go together: set both to listen for TLS, or neither");
  }
  if (tls.verify_peer && tls.ca_file === null) throw new ConfigError("tls.verify_peer needs tls.ca_file, the CA that client certificates are verified against");
  if (tls.fail_if_no_peer_cert && !tls.verify_peer) throw new ConfigError("tls.fail_if_no_peer_cert needs tls.verify_peer");
  if (!tlsEnabled(config) || tls.port === 0) return;
  for (const [key, value] of [["server.port", server.port], ["server.metrics_port", server.metrics_port]] as const) {
    if (value === tls.port) throw new ConfigError(`${key} and tls.port are both ${value}; they need different ports`);
  }
}

/** The watermark in bytes: a fraction in (0, 1] is taken of `totalMemory`. */
export function memoryHighWatermarkBytes(watermark: number, totalMemory: number): number {
  return watermark <= 1 ? Math.floor(watermark * totalMemory) : watermark;
}

export function toBrokerOptions(config: ServerConfig, logger: Logger, totalMemory: number = totalmem()): BrokerOptions {
  const { connection, limits, storage } = config;
  return {
    heartbeat: connection.heartbeat,
    frameMax: connection.frame_max,
    channelMax: connection.channel_max,
    handshakeTimeout: connection.handshake_timeout,
    maxMessageSize: limits.max_message_size,
    memoryHighWatermark: memoryHighWatermarkBytes(limits.memory_high_watermark, totalMemory),
    logger,
    dataDir: config.server.data_dir,
    storage: {
      walBatchSize: storage.wal_batch_size,
      walBatchDelay: storage.wal_batch_delay,
      walFileSize: storage.wal_file_size,
      segmentSize: storage.segment_size,
      queueMemoryBytes: storage.queue_memory_size,
      checkpointInterval: storage.checkpoint_interval,
      ackFlushInterval: storage.ack_flush_interval,
    },
  };
}

/**
 * Every setting of amqp-server, once: its section and key (the config file's snake_case), its
 * kind, default and range, one line of doc, whether it applies live, and the broker or storage
 * option it sets. Everything else is derived from this table: the --config file's keys, the
 * AMQP_<SECTION>_<KEY> variables, the command-line flags and --help (cli.ts), the ServerConfig
 * type and the BrokerOptions handed to the broker (config.ts).
 *
 * A setting the broker or storage reads keeps its default, range and doc in that package's table
 * (BROKER_SETTINGS, STORAGE_SETTINGS): here it is `broker("name")` or `storage("name")`. To add
 * one: the entry in the package's table, then one line here. A setting only the server reads
 * (a port, a file) is written out here with `num(...)` or a kind from config-value.ts.
 */
import { BROKER_SETTINGS, type BrokerOptions, STORAGE_SETTINGS, type StorageOptions } from "@amqp-go/broker";
import { boolean, type ConfigValue, number, oneOf, optionalText, text, textList } from "./config-value.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where a setting goes: a BrokerOptions field, or a field of its `storage` options. */
export type OptionTarget = Exclude<keyof BrokerOptions, "storage"> | `storage.${keyof StorageOptions & string}`;

export interface Setting<T> {
  /** Its kind, default and range. */
  readonly value: ConfigValue<T>;
  /** One line, for --help and the README. */
  readonly doc: string;
  /**
   * Applied to the running server on SIGHUP (reload.ts's applyLive sets it). Absent: read once at
   * start; a change is reported as needing a restart.
   */
  readonly live?: true;
  /** The option it becomes in toBrokerOptions; absent for what the server itself uses. */
  readonly option?: OptionTarget;
}

const U16 = 0xffff;
/** setTimeout's largest delay, ms. */
const MAX_TIMER = 0x7fff_ffff;

function setting<T>(value: ConfigValue<T>, doc: string, option?: OptionTarget): Setting<T> {
  return option === undefined ? { value, doc } : { value, doc, option };
}
/** Marks a setting applied on SIGHUP (reload.ts applies it). */
function live<T>(s: Setting<T>): Setting<T> {
  return { ...s, live: true };
}
/** An integer only the server reads. */
function num(defaultValue: number, min: number, max: number, doc: string): Setting<number> {
  return setting(number({ default: defaultValue, min, max, doc }), doc);
}
/** A BROKER_SETTINGS entry: default, range and doc are the broker's. */
function broker(name: keyof typeof BROKER_SETTINGS): Setting<number> {
  const s = BROKER_SETTINGS[name];
  return setting(number(s), s.doc, name);
}
/** A STORAGE_SETTINGS entry: default, range and doc are storage's. */
function storage(name: keyof typeof STORAGE_SETTINGS): Setting<number> {
  const s = STORAGE_SETTINGS[name];
  return setting(number(s), s.doc, `storage.${name}`);
}

/** Sections and keys in the order of --help and of error messages. */
export const SETTINGS = {
  server: {
    host: setting(optionalText(), "Interface to listen on (default: every interface, IPv6 and IPv4)"),
    port: num(5672, 0, U16, "AMQP port, 0 for any free port"),
    data_dir: setting(text("./data"), "Directory for durable state: definitions, the write-ahead log, queue segments, users.json", "dataDir"),
    metrics_port: num(15692, 0, U16, "Prometheus metrics port, 0 to disable"),
    metrics_per_object: setting(boolean(false), "/metrics gives one series per queue, channel and connection instead of totals (RabbitMQ's prometheus.return_per_object_metrics); /metrics/per-object always does"),
    management_port: num(15672, 0, U16, "Management HTTP API port (RabbitMQ's routes, for rabbitmqadmin and the like), 0 to disable"),
    load_definitions: setting(optionalText(), "A RabbitMQ definitions file (JSON) imported at every start, after recovery and before clients are accepted (RabbitMQ's load_definitions)"),
  },
  connection: {
    heartbeat: broker("heartbeat"),
    frame_max: broker("frameMax"),
    channel_max: broker("channelMax"),
    handshake_timeout: broker("handshakeTimeout"),
    max_handshaking_connections: broker("maxHandshakingConnections"),
  },
  limits: {
    max_message_size: broker("maxMessageSize"),
    memory_high_watermark: broker("memoryHighWatermark"),
    queue_flow_bytes: broker("queueFlowBytes"),
    idle_queue_flow_bytes: broker("idleQueueFlowBytes"),
    disk_free_limit: broker("diskFreeLimit"),
    disk_free_limit_relative: broker("diskFreeLimitRelative"),
    disk_check_interval: broker("diskCheckInterval"),
    consumer_timeout: broker("consumerTimeout"),
  },
  storage: {
    wal_batch_size: storage("walBatchSize"),
    wal_batch_delay: storage("walBatchDelay"),
    wal_file_size: storage("walFileSize"),
    wal_pending_bytes: storage("walPendingBytes"),
    segment_size: storage("segmentSize"),
    queue_memory_size: storage("queueMemoryBytes"),
    checkpoint_interval: storage("checkpointInterval"),
    ack_flush_interval: storage("ackFlushInterval"),
    retry_interval: storage("retryInterval"),
  },
  log: {
    level: live(setting(oneOf(LOG_LEVELS, "info"), "Log level: fatal, error, warn, info, debug, trace or silent")),
    file: setting(optionalText(), "Write JSON logs to this file instead of stdout"),
  },
  auth: {
    users_file: setting(optionalText(), "Users, vhosts and permissions (default: <data-dir>/users.json)"),
    default_user: setting(optionalText(), "User created (tag administrator, every permission on /) with the users file when there is none, instead of guest (env also AMQP_DEFAULT_USER)"),
    default_pass: setting(optionalText(), "Password of default_user (env also AMQP_DEFAULT_PASS); never logged"),
    loopback_users: live(setting(textList(["guest"]), "Users who may log in from localhost only, comma-separated (RabbitMQ's loopback_users)")),
    anonymous_user: setting(optionalText(), "Offer ANONYMOUS, logging in as this user (default: not offered)"),
    failed_login_limit: live(num(10, 0, 1_000_000, "Failed logins from one address within failed_login_window after which its attempts wait (250 ms doubling, at most 4 s) before they are checked; never refused; 0 disables")),
    failed_login_window: live(num(60_000, 1, MAX_TIMER, "ms over which failed logins from one address are counted")),
  },
  tls: {
    port: num(5671, 0, U16, "AMQPS port, used when --tls-cert-file and --tls-key-file are given"),
    cert_file: setting(optionalText(), "Server certificate (PEM) for the TLS listener"),
    key_file: setting(optionalText(), "Its private key (PEM)"),
    ca_file: setting(optionalText(), "CA certificates (PEM) that client certificates are verified against"),
    verify_peer: setting(boolean(false), "Ask clients for a certificate and refuse one the CA did not sign (RabbitMQ's verify_peer)"),
    fail_if_no_peer_cert: setting(boolean(false), "Refuse clients without a certificate (needs verify_peer)"),
  },
} as const satisfies Readonly<Record<string, Readonly<Record<string, Setting<unknown>>>>>;

export type Section = keyof typeof SETTINGS;
export const SECTIONS = Object.keys(SETTINGS) as Section[];

/** The configuration the table describes: `config.server.port` is a number, `config.log.file` a string or null. */
export type ServerConfig = {
  readonly [S in Section]: { readonly [K in keyof (typeof SETTINGS)[S]]: (typeof SETTINGS)[S][K] extends Setting<infer T> ? T : never };
};

/**
 * What each section's flags start with: `--port` (server.port), `--heartbeat`, `--wal-batch-size`,
 * but `--log-level` and `--tls-port`, as the flags always were. A new section picks its prefix here.
 */
const FLAG_PREFIX: Readonly<Record<Section, string>> = { server: "", connection: "", limits: "", storage: "", log: "log-", auth: "", tls: "tls-" };

/** One row of the table, with the names it goes by. */
export interface SettingEntry {
  readonly section: Section;
  readonly key: string;
  readonly setting: Setting<unknown>;
  /** Without the dashes: "data-dir". */
  readonly flag: string;
  /** AMQP_SERVER_DATA_DIR. */
  readonly env: string;
}

/** Every setting, in table order. */
export const SETTING_ENTRIES: readonly SettingEntry[] = SECTIONS.flatMap((section) =>
  Object.entries(SETTINGS[section] as Readonly<Record<string, Setting<unknown>>>).map(([key, setting]) => ({
    section,
    key,
    setting,
    flag: `${FLAG_PREFIX[section]}${key.replaceAll("_", "-")}`,
    env: `AMQP_${section}_${key}`.toUpperCase(),
  })),
);

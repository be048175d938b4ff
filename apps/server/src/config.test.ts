import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig, envOverrides, loadConfig, memoryHighWatermarkBytes, type Override, redactedConfig, toBrokerOptions } from "./config.js";
import { ConfigError } from "./errors.js";

const dir = mkdtempSync(join(tmpdir(), "amqp-server-config-"));
let files = 0;
function configFile(contents: unknown): string {
  const path = join(dir, `config-${files++}.json`);
  writeFileSync(path, typeof contents === "string" ? contents : JSON.stringify(contents));
  return path;
}
const flag = (section: string, key: string, text: string): Override => ({ section, key, text, source: `--${key}` });

function configError(load: () => unknown): string {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).not.toContain("\n");
    return (err as ConfigError).message;
  }
  throw new Error("expected a ConfigError");
}

describe("defaults", () => {
  it("are RabbitMQ's", () => {
    expect(loadConfig()).toEqual({
      server: { host: null, port: 5672, data_dir: "./data", metrics_port: 15692, metrics_per_object: false, management_port: 15672, load_definitions: null },
      connection: { heartbeat: 60, frame_max: 131072, channel_max: 2047, handshake_timeout: 10000, max_handshaking_connections: 1000 },
      limits: { max_message_size: 134217728, memory_high_watermark: 0.4, queue_flow_bytes: 4194304, idle_queue_flow_bytes: 0, disk_free_limit: 50000000, disk_free_limit_relative: 0, disk_check_interval: 1000, consumer_timeout: 1800000 },
      storage: {
        wal_batch_size: 1048576,
        wal_batch_delay: 0,
        wal_file_size: 67108864,
        wal_pending_bytes: 67108864,
        segment_size: 67108864,
        queue_memory_size: 16777216,
        checkpoint_interval: 1000,
        ack_flush_interval: 200,
        retry_interval: 1000,
      },
      log: { level: "info", file: null },
      auth: {
        users_file: null,
        default_user: null,
        default_pass: null,
        loopback_users: ["guest"],
        anonymous_user: null,
        failed_login_limit: 10,
        failed_login_window: 60000,
      },
      tls: { port: 5671, cert_file: null, key_file: null, ca_file: null, verify_peer: false, fail_if_no_peer_cert: false },
    });
  });

  it("are a fresh object each time", () => {
    expect(defaultConfig()).not.toBe(defaultConfig());
  });
});

describe("precedence: defaults < file < environment < flags", () => {
  const file = configFile({ server: { port: 1001, data_dir: "/var/lib/amqp" }, connection: { heartbeat: 10 }, log: { level: "warn" } });

  it("the file overrides defaults and keeps the rest", () => {
    const config = loadConfig({ file });
    expect(config.server).toEqual({ host: null, port: 1001, data_dir: "/var/lib/amqp", metrics_port: 15692, metrics_per_object: false, management_port: 15672, load_definitions: null });
    expect(config.connection.heartbeat).toBe(10);
    expect(config.connection.frame_max).toBe(131072);
    expect(config.log.level).toBe("warn");
  });

  it("the environment overrides the file", () => {
    const env = { AMQP_SERVER_PORT: "5673", AMQP_CONNECTION_HEARTBEAT: "30", AMQP_LOG_LEVEL: "debug" };
    const config = loadConfig({ file, env });
    expect(config.server.port).toBe(5673);
    expect(config.server.data_dir).toBe("/var/lib/amqp");
    expect(config.connection.heartbeat).toBe(30);
    expect(config.log.level).toBe("debug");
  });

  it("flags override the environment", () => {
    const config = loadConfig({
      file,
      env: { AMQP_SERVER_PORT: "5673", AMQP_LOG_LEVEL: "debug" },
      flags: [flag("server", "port", "5674"), flag("log", "level", "error")],
    });
    expect(config.server.port).toBe(5674);
    expect(config.log.level).toBe("error");
    expect(config.connection.heartbeat).toBe(10);
  });
});

describe("environment", () => {
  it("splits AMQP_<SECTION>_<KEY> at the first underscore, keys keep theirs", () => {
    expect(envOverrides({ AMQP_SERVER_DATA_DIR: "/d", PATH: "/bin" })).toEqual([
      { section: "server", key: "data_dir", text: "/d", source: "AMQP_SERVER_DATA_DIR" },
    ]);
    const config = loadConfig({ env: { AMQP_SERVER_METRICS_PORT: "0", AMQP_LIMITS_MAX_MESSAGE_SIZE: "1024" } });
    expect(config.server.metrics_port).toBe(0);
    expect(config.limits.max_message_size).toBe(1024);
  });

  it("parses numbers as numbers: whitespace trimmed, exponents allowed, integers checked", () => {
    expect(loadConfig({ env: { AMQP_SERVER_PORT: " 5673 " } }).server.port).toBe(5673);
    expect(loadConfig({ env: { AMQP_LIMITS_MAX_MESSAGE_SIZE: "1e6" } }).limits.max_message_size).toBe(1_000_000);
    expect(loadConfig({ env: { AMQP_LIMITS_MEMORY_HIGH_WATERMARK: "0.5" } }).limits.memory_high_watermark).toBe(0.5);
    for (const text of ["", "0x10", "5672abc", "Infinity", "1.5", "-1"]) {
      expect(configError(() => loadConfig({ env: { AMQP_SERVER_PORT: text } }))).toBe(
        `AMQP_SERVER_PORT: server.port must be an integer from 0 to 65535, got ${JSON.stringify(text)}`,
      );
    }
  });

  it("keeps strings as strings, and the empty string unsets an optional one", () => {
    expect(loadConfig({ env: { AMQP_SERVER_HOST: "127.0.0.1" } }).server.host).toBe("127.0.0.1");
    expect(loadConfig({ env: { AMQP_LOG_FILE: "" } }).log.file).toBeNull();
    expect(configError(() => loadConfig({ env: { AMQP_SERVER_DATA_DIR: "" } }))).toBe(
      'AMQP_SERVER_DATA_DIR: server.data_dir must be a non-empty string, got ""',
    );
  });

  it("rejects an unknown section or key, naming the variable", () => {
    expect(configError(() => loadConfig({ env: { AMQP_SERVR_PORT: "1" } }))).toBe(
      'AMQP_SERVR_PORT: unknown section "servr" (sections: server, connection, limits, storage, log, auth, tls)',
    );
    expect(configError(() => loadConfig({ env: { AMQP_SERVER_PROT: "1" } }))).toBe(
      'AMQP_SERVER_PROT: unknown key "server.prot" (keys: host, port, data_dir, metrics_port, metrics_per_object, management_port, load_definitions)',
    );
    expect(configError(() => loadConfig({ env: { AMQP_SERVER___PROTO__: "1" } }))).toContain("unknown key");
  });

  it("skips variables with one word after AMQP_, which clients use (AMQP_URL)", () => {
    expect(envOverrides({ AMQP_URL: "amqp://localhost", AMQP_: "x", AMQP__X: "y", amqp_server_port: "1" })).toEqual([]);
    expect(loadConfig({ env: { AMQP_URL: "amqp://localhost" } })).toEqual(defaultConfig());
  });
});

describe("validation", () => {
  it("a bad port", () => {
    expect(configError(() => loadConfig({ flags: [flag("server", "port", "70000")] }))).toBe(
      '--port: server.port must be an integer from 0 to 65535, got "70000"',
    );
  });

  it("a negative heartbeat", () => {
    expect(configError(() => loadConfig({ env: { AMQP_CONNECTION_HEARTBEAT: "-5" } }))).toBe(
      'AMQP_CONNECTION_HEARTBEAT: connection.heartbeat must be an integer from 0 to 65535, got "-5"',
    );
    const file = configFile({ connection: { heartbeat: -5 } });
    expect(configError(() => loadConfig({ file }))).toBe(
      `${file}: connection.heartbeat must be an integer from 0 to 65535, got -5`,
    );
  });

  it("an unknown section or key in the file", () => {
    const badKey = configFile({ connection: { hearbeat: 30 } });
    expect(configError(() => loadConfig({ file: badKey }))).toBe(
      `${badKey}: unknown key "connection.hearbeat" (keys: heartbeat, frame_max, channel_max, handshake_timeout, max_handshaking_connections)`,
    );
    const badSection = configFile({ listeners: {} });
    expect(configError(() => loadConfig({ file: badSection }))).toBe(
      `${badSection}: unknown section "listeners" (sections: server, connection, limits, storage, log, auth, tls)`,
    );
  });

  it("wrong JSON types in the file: no coercion from strings", () => {
    const file = configFile({ server: { port: "5673" } });
    expect(configError(() => loadConfig({ file }))).toBe(`${file}: server.port must be an integer from 0 to 65535, got "5673"`);
    const notObject = configFile({ server: 5 });
    expect(configError(() => loadConfig({ file: notObject }))).toBe(`${notObject}: section "server" must be an object`);
    const array = configFile([]);
    expect(configError(() => loadConfig({ file: array }))).toContain("must hold a JSON object of sections");
  });

  it("null unsets an optional key in the file", () => {
    const file = configFile({ server: { host: null }, log: { file: null } });
    expect(loadConfig({ file }).server.host).toBeNull();
  });

  it("a file that is missing or not JSON", () => {
    const missing = join(dir, "missing.json");
    expect(configError(() => loadConfig({ file: missing }))).toBe(`--config ${missing}: cannot read the file (ENOENT)`);
    const broken = configFile('{ "server": {\n "port": 1, }\n}');
    expect(configError(() => loadConfig({ file: broken }))).toMatch(new RegExp(`^${broken}: not valid JSON: `));
  });

  it("the spec's and RabbitMQ's ranges", () => {
    expect(configError(() => loadConfig({ env: { AMQP_CONNECTION_FRAME_MAX: "4095" } }))).toContain("from 4096 to 4294967295");
    expect(configError(() => loadConfig({ env: { AMQP_CONNECTION_CHANNEL_MAX: "0" } }))).toContain("from 1 to 65535");
    expect(configError(() => loadConfig({ env: { AMQP_LIMITS_MAX_MESSAGE_SIZE: "536870913" } }))).toContain(
      "from 1 to 536870912",
    );
    expect(configError(() => loadConfig({ env: { AMQP_LOG_LEVEL: "verbose" } }))).toBe(
      'AMQP_LOG_LEVEL: log.level must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    );
  });

  it("the memory watermark is a fraction in (0, 1] or a whole byte count", () => {
    expect(loadConfig({ env: { AMQP_LIMITS_MEMORY_HIGH_WATERMARK: "1" } }).limits.memory_high_watermark).toBe(1);
    expect(loadConfig({ env: { AMQP_LIMITS_MEMORY_HIGH_WATERMARK: "2147483648" } }).limits.memory_high_watermark).toBe(
      2147483648,
    );
    for (const text of ["0", "-0.1", "1.5"]) {
      expect(configError(() => loadConfig({ env: { AMQP_LIMITS_MEMORY_HIGH_WATERMARK: text } }))).toContain(
        "must be a fraction of total memory in (0, 1] or a byte count (an integer above 1)",
      );
    }
  });

  it("the metrics port must differ from the AMQP port", () => {
    expect(configError(() => loadConfig({ flags: [flag("server", "metrics_port", "5672")] }))).toBe(
      "server.port and server.metrics_port are both 5672; they need different ports",
    );
    const config = loadConfig({ flags: [flag("server", "port", "0"), flag("server", "metrics_port", "0")] });
    expect(config.server).toMatchObject({ port: 0, metrics_port: 0 });
  });

  it("the management port must differ from the AMQP and metrics ports; 0 disables it", () => {
    expect(configError(() => loadConfig({ flags: [flag("server", "management_port", "5672")] }))).toBe(
      "server.port and server.management_port are both 5672; they need different ports",
    );
    expect(configError(() => loadConfig({ flags: [flag("server", "management_port", "15692")] }))).toBe(
      "server.metrics_port and server.management_port are both 15692; they need different ports",
    );
    expect(loadConfig({ flags: [flag("server", "management_port", "0"), flag("server", "metrics_port", "0")] }).server.management_port).toBe(0);
    expect(loadConfig({}).server.management_port).toBe(15672);
  });
});

describe("toBrokerOptions", () => {
  const logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => logger };

  it("maps the connection, limits and storage sections, with the watermark in bytes, and the data dir", () => {
    const config = loadConfig({ flags: [{ section: "storage", key: "queue_memory_size", text: "1048576", source: "--queue-memory-size" }] });
    expect(toBrokerOptions(config, logger, 1000)).toEqual({
      heartbeat: 60,
      frameMax: 131072,
      channelMax: 2047,
      handshakeTimeout: 10000,
      maxHandshakingConnections: 1000,
      maxMessageSize: 134217728,
      memoryHighWatermark: 400,
      queueFlowBytes: 4194304,
      idleQueueFlowBytes: 0,
      diskFreeLimit: 50000000,
      diskFreeLimitRelative: 0,
      diskCheckInterval: 1000,
      consumerTimeout: 1800000,
      logger,
      dataDir: "./data",
      storage: {
        walBatchSize: 1048576,
        walBatchDelay: 0,
        walFileSize: 67108864,
        walPendingBytes: 67108864,
        segmentSize: 67108864,
        queueMemoryBytes: 1048576,
        checkpointInterval: 1000,
        ackFlushInterval: 200,
        retryInterval: 1000,
      },
    });
  });

  it("storage.queue_memory_size (formerly ring_buffer_size) is read from its variable", () => {
    expect(loadConfig({ env: { AMQP_STORAGE_QUEUE_MEMORY_SIZE: "8192" } }).storage.queue_memory_size).toBe(8192);
  });

  it("takes a watermark above 1 as bytes", () => {
    expect(memoryHighWatermarkBytes(0.5, 1001)).toBe(500);
    expect(memoryHighWatermarkBytes(1, 1001)).toBe(1001);
    expect(memoryHighWatermarkBytes(4096, 1001)).toBe(4096);
  });
});

describe("auth and tls", () => {
  it("lists and booleans from the file, the environment and flags", () => {
    const file = configFile({ auth: { loopback_users: ["guest", "ops"] }, tls: { verify_peer: true, ca_file: "/ca.pem" } });
    const config = loadConfig({ file, env: { AMQP_TLS_FAIL_IF_NO_PEER_CERT: "true", AMQP_AUTH_ANONYMOUS_USER: "visitor" } });
    expect(config.auth).toMatchObject({ loopback_users: ["guest", "ops"], anonymous_user: "visitor" });
    expect(config.tls).toMatchObject({ verify_peer: true, fail_if_no_peer_cert: true, ca_file: "/ca.pem" });
    expect(loadConfig({ env: { AMQP_AUTH_LOOPBACK_USERS: "" } }).auth.loopback_users).toEqual([]);
    expect(loadConfig({ env: { AMQP_AUTH_LOOPBACK_USERS: " a, b ,," } }).auth.loopback_users).toEqual(["a", "b"]);
    expect(loadConfig({ flags: [flag("auth", "users_file", "/etc/users.json")] }).auth.users_file).toBe("/etc/users.json");
    expect(configError(() => loadConfig({ env: { AMQP_TLS_VERIFY_PEER: "yes" } }))).toBe(
      'AMQP_TLS_VERIFY_PEER: tls.verify_peer must be true or false, got "yes"',
    );
    expect(configError(() => loadConfig({ file: configFile({ auth: { loopback_users: "guest" } }) }))).toContain(
      "auth.loopback_users must be a list of names",
    );
  });

  it("default_user and default_pass: from AMQP_DEFAULT_USER/PASS or AMQP_AUTH_DEFAULT_*, which wins; redacted for logs", () => {
    const config = loadConfig({ env: { AMQP_DEFAULT_USER: "admin", AMQP_DEFAULT_PASS: "s3cret" } });
    expect(config.auth).toMatchObject({ default_user: "admin", default_pass: "s3cret" });
    expect(redactedConfig(config).auth).toMatchObject({ default_user: "admin", default_pass: "[redacted]" });
    expect(config.auth.default_pass).toBe("s3cret");
    expect(redactedConfig(loadConfig())).toEqual(loadConfig());
    const both = loadConfig({ env: { AMQP_AUTH_DEFAULT_USER: "long", AMQP_DEFAULT_USER: "short", AMQP_DEFAULT_PASS: "p" } });
    expect(both.auth.default_user).toBe("long");
    expect(configError(() => loadConfig({ env: { AMQP_DEFAULT_PASS: "p" } }))).toBe(
      "auth.default_user and auth.default_pass go together: set both (AMQP_DEFAULT_USER and AMQP_DEFAULT_PASS), or neither",
    );
  });

  it("TLS settings that do not go together", () => {
    expect(configError(() => loadConfig({ env: { AMQP_TLS_CERT_FILE: "/c.pem" } }))).toBe(
      "tls.cert_file and tls.key_file go together: set both to listen for TLS, or neither",
    );
    expect(configError(() => loadConfig({ env: { AMQP_TLS_VERIFY_PEER: "true" } }))).toContain("tls.verify_peer needs tls.ca_file");
    expect(configError(() => loadConfig({ env: { AMQP_TLS_FAIL_IF_NO_PEER_CERT: "1", AMQP_TLS_CA_FILE: "/ca" } }))).toBe(
      "tls.fail_if_no_peer_cert needs tls.verify_peer",
    );
    const both = { AMQP_TLS_CERT_FILE: "/c.pem", AMQP_TLS_KEY_FILE: "/k.pem" };
    expect(configError(() => loadConfig({ env: { ...both, AMQP_TLS_PORT: "5672" } }))).toBe(
      "server.port and tls.port are both 5672; they need different ports",
    );
    // Without a certificate the TLS port is unused, so it may be anything.
    expect(loadConfig({ env: { AMQP_TLS_PORT: "5672" } }).tls.port).toBe(5672);
  });
});

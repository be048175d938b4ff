/**
 * The server's configuration: the sections and keys of settings.ts (snake_case, the spelling of
 * RabbitMQ's rabbitmq.conf), and how they are loaded:
 *
 *   defaults  <  --config FILE (JSON, or YAML: .yaml/.yml)  <  AMQP_<SECTION>_<KEY> variables  <  command-line flags
 *
 * Every value is checked where it is read, so an error names its source (the file, the variable or
 * the flag); an unknown section or key is an error too. Errors are ConfigErrors (exit code 2).
 */
import { readFileSync } from "node:fs";
import { totalmem } from "node:os";
import { availableMemory, type BrokerOptions, bytesOfMemory, type Logger } from "@amqp-go/broker";
import { configFormat, parseConfigText } from "./config-file.js";
import type { ConfigValue } from "./config-value.js";
import { ConfigError } from "./errors.js";
import { SECTIONS, type Section, type ServerConfig, SETTING_ENTRIES, SETTINGS, type Setting } from "./settings.js";

export { LOG_LEVELS, type LogLevel, type Section, type ServerConfig } from "./settings.js";

/** A value given as text, by an environment variable or a flag. */
export interface Override {
  readonly section: string;
  readonly key: string;
  readonly text: string;
  /** Where it came from, for errors: "AMQP_SERVER_PORT", "--port". */
  readonly source: string;
}

export interface ConfigSources {
  /** Path of a JSON or YAML config file (--config). */
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
    for (const [key, setting] of Object.entries(SETTINGS[section])) values[key] = (setting as Setting<unknown>).value.default;
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

/** Shorter names some settings also go by in the environment (as RabbitMQ's container image reads RABBITMQ_DEFAULT_USER). */
export const ENV_ALIASES: Readonly<Record<string, readonly [Section, string]>> = {
  AMQP_DEFAULT_USER: ["auth", "default_user"],
  AMQP_DEFAULT_PASS: ["auth", "default_pass"],
};

/** The config with secrets replaced, for logging it. */
export function redactedConfig(config: ServerConfig): ServerConfig {
  if (config.auth.default_pass === null) return config;
  return { ...config, auth: { ...config.auth, default_pass: "[redacted]" } };
}

/**
 * The AMQP_<SECTION>_<KEY> variables, e.g. AMQP_SERVER_DATA_DIR -> server.data_dir. A variable with
 * one word after AMQP_ (AMQP_URL, which many clients read) is not ours and is skipped; any other
 * AMQP_ variable must name a known section and key.
 */
export function envOverrides(env: Readonly<Record<string, string | undefined>>): Override[] {
  const overrides: Override[] = [];
  // The aliases first, so that the AMQP_<SECTION>_<KEY> spelling wins when both are set.
  for (const [name, [section, key]] of Object.entries(ENV_ALIASES)) {
    const value = env[name];
    if (value !== undefined) overrides.push({ section, key, text: value, source: name });
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("AMQP_") || value === undefined || Object.hasOwn(ENV_ALIASES, name)) continue;
    const rest = name.slice(5).toLowerCase();
    const split = rest.indexOf("_");
    if (split <= 0) continue;
    overrides.push({ section: rest.slice(0, split), key: rest.slice(split + 1), text: value, source: name });
  }
  return overrides;
}

function specOf(section: string, key: string, source: string): ConfigValue<unknown> {
  if (!Object.hasOwn(SETTINGS, section)) {
    throw new ConfigError(`${source}: unknown section "${section}" (sections: ${SECTIONS.join(", ")})`);
  }
  const keys = SETTINGS[section as Section] as Readonly<Record<string, Setting<unknown>>>;
  if (!Object.hasOwn(keys, key)) {
    throw new ConfigError(`${source}: unknown key "${section}.${key}" (keys: ${Object.keys(keys).join(", ")})`);
  }
  return (keys[key] as Setting<unknown>).value;
}

function applyText(config: MutableConfig, { section, key, text, source }: Override): void {
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
  const json = parseConfigText(source, path);
  if (!isObject(json)) throw new ConfigError(`${path}: must hold a ${configFormat(path) === "yaml" ? "YAML mapping" : "JSON object"} of sections (${SECTIONS.join(", ")})`);
  for (const [section, values] of Object.entries(json)) {
    if (!Object.hasOwn(SETTINGS, section)) {
      throw new ConfigError(`${path}: unknown section "${section}" (sections: ${SECTIONS.join(", ")})`);
    }
    if (!isObject(values)) throw new ConfigError(`${path}: section "${section}" must be an object`);
    for (const [key, raw] of Object.entries(values)) {
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
  const { port, metrics_port, management_port } = config.server;
  const ports = [
    ["server.port", port],
    ["server.metrics_port", metrics_port],
    ["server.management_port", management_port],
  ] as const;
  for (let i = 0; i < ports.length; i++) {
    for (let j = i + 1; j < ports.length; j++) {
      const [a, pa] = ports[i]!;
      const [b, pb] = ports[j]!;
      if (pa !== 0 && pa === pb) throw new ConfigError(`${a} and ${b} are both ${pa}; they need different ports`);
    }
  }
  checkTls(config);
  if ((config.auth.default_user === null) !== (config.auth.default_pass === null)) {
    throw new ConfigError("auth.default_user and auth.default_pass go together: set both (AMQP_DEFAULT_USER and AMQP_DEFAULT_PASS), or neither");
  }
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
  for (const [key, value] of [["server.port", server.port], ["server.metrics_port", server.metrics_port], ["server.management_port", server.management_port]] as const) {
    if (value === tls.port) throw new ConfigError(`${key} and tls.port are both ${value}; they need different ports`);
  }
}

/** The watermark in bytes: a fraction in (0, 1] is taken of `totalMemory`. */
export const memoryHighWatermarkBytes: (watermark: number, totalMemory: number) => number = bytesOfMemory;

/**
 * The broker's options: every setting with an `option` in settings.ts, the storage ones under
 * `storage`, and the memory watermark in bytes of `totalMemory`.
 */
export function toBrokerOptions(config: ServerConfig, logger: Logger, totalMemory: number = availableMemory(totalmem(), process.constrainedMemory?.())): BrokerOptions {
  const options: Record<string, unknown> = { logger };
  const storage: Record<string, unknown> = {};
  for (const { section, key, setting } of SETTING_ENTRIES) {
    if (setting.option === undefined) continue;
    const value = (config[section] as Readonly<Record<string, unknown>>)[key];
    if (setting.option.startsWith("storage.")) storage[setting.option.slice("storage.".length)] = value;
    else options[setting.option] = value;
  }
  const result = { ...options, storage } as BrokerOptions;
  return { ...result, memoryHighWatermark: bytesOfMemory(config.limits.memory_high_watermark, totalMemory) };
}

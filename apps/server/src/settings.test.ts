import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BROKER_SETTINGS, STORAGE_SETTINGS } from "@amqp-go/broker";
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "./cli.js";
import { defaultConfig, envOverrides, loadConfig, toBrokerOptions } from "./config.js";
import { SETTING_ENTRIES, SETTINGS } from "./settings.js";

/** A setting's default as the text of a flag or variable ("" unsets, lists are comma-separated). */
function defaultText(value: unknown): string {
  if (value === null) return "";
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

/** Package options the server leaves at their defaults, on purpose. */
const NOT_EXPOSED = new Set(["handshakeErrorDelay"]);

describe("every setting", () => {
  it("has a flag, a variable and a key of its own, and the flags users had keep their names", () => {
    const flags = SETTING_ENTRIES.map((e) => e.flag);
    const envs = SETTING_ENTRIES.map((e) => e.env);
    expect(new Set(flags).size).toBe(SETTING_ENTRIES.length);
    expect(new Set(envs).size).toBe(SETTING_ENTRIES.length);
    const named = Object.fromEntries(SETTING_ENTRIES.map((e) => [e.flag, `${e.section}.${e.key}`]));
    expect(named).toMatchObject({
      port: "server.port",
      host: "server.host",
      "data-dir": "server.data_dir",
      "metrics-port": "server.metrics_port",
      "management-port": "server.management_port",
      "load-definitions": "server.load_definitions",
      "wal-batch-size": "storage.wal_batch_size",
      "wal-batch-delay": "storage.wal_batch_delay",
      "segment-size": "storage.segment_size",
      "queue-memory-size": "storage.queue_memory_size",
      "checkpoint-interval": "storage.checkpoint_interval",
      "log-level": "log.level",
      "log-file": "log.file",
      "users-file": "auth.users_file",
      "tls-port": "tls.port",
      "tls-cert-file": "tls.cert_file",
      "tls-key-file": "tls.key_file",
      "tls-ca-file": "tls.ca_file",
    });
    expect(SETTING_ENTRIES.length).toBe(Object.values(SETTINGS).reduce((n, keys) => n + Object.keys(keys).length, 0));
  });

  it("is read from its flag, its variable and its file key (each at its default gives the defaults)", () => {
    const args = SETTING_ENTRIES.flatMap((e) => [`--${e.flag}`, defaultText(e.setting.value.default)]);
    const commandLine = parseCommandLine(args);
    if (commandLine.kind !== "run") throw new Error("expected flags");
    expect(commandLine.flags.map((f) => `${f.section}.${f.key}`)).toEqual(SETTING_ENTRIES.map((e) => `${e.section}.${e.key}`));
    expect(loadConfig({ flags: commandLine.flags })).toEqual(defaultConfig());

    const env = Object.fromEntries(SETTING_ENTRIES.map((e) => [e.env, defaultText(e.setting.value.default)]));
    expect(envOverrides(env).map((o) => `${o.section}.${o.key}`)).toEqual(SETTING_ENTRIES.map((e) => `${e.section}.${e.key}`));
    expect(loadConfig({ env })).toEqual(defaultConfig());

    const file = join(mkdtempSync(join(tmpdir(), "amqp-server-settings-")), "all.json");
    writeFileSync(file, JSON.stringify(defaultConfig()));
    expect(loadConfig({ file })).toEqual(defaultConfig());
  });

  it("sets only its own key", () => {
    for (const e of SETTING_ENTRIES) {
      const commandLine = parseCommandLine([`--${e.flag}`, "x"]);
      expect(commandLine).toMatchObject({ kind: "run", flags: [{ section: e.section, key: e.key, source: `--${e.flag}` }] });
      expect(envOverrides({ [e.env]: "x" })).toEqual([{ section: e.section, key: e.key, text: "x", source: e.env }]);
    }
  });

  it("is in --help with its doc and default, grouped by section", () => {
    const result = parseCommandLine(["--help"]);
    const help = (result.kind === "print" ? result.text : "").replace(/\s+/g, " ");
    for (const e of SETTING_ENTRIES) {
      const doc = e.setting.doc.replace(/\s+/g, " ");
      const value = e.setting.value.default;
      const shown = value === null ? "" : ` (default: ${defaultText(value)})`;
      expect(help).toContain(`--${e.flag} ${doc}${shown}`);
    }
    for (const section of Object.keys(SETTINGS)) expect(help).toContain(`AMQP_${section.toUpperCase()}_<KEY>`);
  });

  it("is in the README with its flag and key", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const e of SETTING_ENTRIES) {
      expect(readme).toMatch(new RegExp(`\\| \`--${e.flag}[ \`].*\\| \`${e.section}\\.${e.key}\` \\|`));
    }
  });
});

describe("defaults live in the packages", () => {
  const logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => logger };

  it("each broker and storage setting is a server setting with the package's default, range and doc", () => {
    const mapped = new Map(SETTING_ENTRIES.filter((e) => e.setting.option !== undefined).map((e) => [e.setting.option, e]));
    const packages = [
      ...Object.entries(BROKER_SETTINGS).map(([name, s]) => [name, s] as const),
      ...Object.entries(STORAGE_SETTINGS).map(([name, s]) => [`storage.${name}`, s] as const),
    ];
    for (const [option, s] of packages) {
      if (NOT_EXPOSED.has(option)) continue;
      const entry = mapped.get(option as never);
      expect(entry, `${option} has no entry in settings.ts`).toBeDefined();
      expect(entry?.setting.value.default).toBe(s.default);
      expect(entry?.setting.doc).toBe(s.doc);
      expect(entry?.setting.value.fromJson(s.max)).toBe(s.max);
      if (s.max < Number.MAX_SAFE_INTEGER) expect(entry?.setting.value.fromJson(s.max + 1)).toBeUndefined();
      if (!("fractionOfMemory" in s)) expect(entry?.setting.value.fromJson(s.min - 1)).toBeUndefined();
    }
  });

  it("the options handed to the broker at the defaults are the packages' defaults", () => {
    const options = toBrokerOptions(defaultConfig(), logger, 1000);
    for (const [name, s] of Object.entries(BROKER_SETTINGS)) {
      if (NOT_EXPOSED.has(name)) expect(options).not.toHaveProperty(name);
      else if (name === "memoryHighWatermark") expect(options.memoryHighWatermark).toBe(1000 * s.default);
      else expect(options[name as keyof typeof options], name).toBe(s.default);
    }
    expect(options.storage).toEqual(Object.fromEntries(Object.entries(STORAGE_SETTINGS).map(([name, s]) => [name, s.default])));
  });
});

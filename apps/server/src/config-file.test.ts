import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configFormat } from "./config-file.js";
import { defaultConfig, loadConfig } from "./config.js";
import { ConfigError } from "./errors.js";
import { SECTIONS } from "./settings.js";

const dir = mkdtempSync(join(tmpdir(), "amqp-config-file-"));
let n = 0;
function file(ext: string, text: string): string {
  const path = join(dir, `config-${n++}.${ext}`);
  writeFileSync(path, text);
  return path;
}
function configError(path: string): string {
  try {
    loadConfig({ file: path });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("no ConfigError");
}

describe("YAML config files", () => {
  it("are read by name: .json is JSON, .yaml, .yml (and any other name) YAML", () => {
    expect(["a.json", "a.JSON", "a.yaml", "a.yml", "a.YML", "amqp-server.conf"].map(configFormat)).toEqual(["json", "json", "yaml", "yaml", "yaml", "yaml"]);
  });

  it("give the same values as the JSON file", () => {
    const yaml = `
server:
  port: 5673
  host: 127.0.0.1
  data_dir: /var/lib/amqp-server
connection: { heartbeat: 30 }
limits:
  memory_high_watermark: 0.5
log:
  level: debug
  file: ~
auth:
  loopback_users:
    - guest
    - ops
  anonymous_user: no # YAML 1.2: a string, not false
tls:
  verify_peer: false
`;
    const json = {
      server: { port: 5673, host: "127.0.0.1", data_dir: "/var/lib/amqp-server" },
      connection: { heartbeat: 30 },
      limits: { memory_high_watermark: 0.5 },
      log: { level: "debug", file: null },
      auth: { loopback_users: ["guest", "ops"], anonymous_user: "no" },
      tls: { verify_peer: false },
    };
    for (const ext of ["yaml", "yml"]) expect(loadConfig({ file: file(ext, yaml) })).toEqual(loadConfig({ file: file("json", JSON.stringify(json)) }));
    expect(loadConfig({ file: file("yaml", yaml) }).auth.anonymous_user).toBe("no");
  });

  it("an empty file (or only comments) is no settings", () => {
    expect(loadConfig({ file: file("yaml", "# nothing yet\n") })).toEqual(defaultConfig());
  });

  it("are checked as JSON files are: unknown keys, bad values, syntax, duplicate keys, a list at the top", () => {
    const unknown = file("yaml", "connection:\n  hearbeat: 30\n");
    expect(configError(unknown)).toBe(`${unknown}: unknown key "connection.hearbeat" (keys: heartbeat, frame_max, channel_max, handshake_timeout, max_handshaking_connections)`);
    const bad = file("yml", "server:\n  port: 70000\n");
    expect(configError(bad)).toBe(`${bad}: server.port must be an integer from 0 to 65535, got 70000`);
    const quoted = file("yaml", "server:\n  port: '5673'\n");
    expect(configError(quoted)).toBe(`${quoted}: server.port must be an integer from 0 to 65535, got "5673"`);
    const broken = file("yaml", "server:\n  port: [5673\n");
    expect(configError(broken)).toMatch(new RegExp(`^${broken}: not valid YAML: .+ at line \\d+, column \\d+`));
    const duplicate = file("yaml", "server:\n  port: 1\n  port: 2\n");
    expect(configError(duplicate)).toMatch(new RegExp(`^${duplicate}: not valid YAML: Map keys must be unique`));
    const list = file("yaml", "- server\n");
    expect(configError(list)).toBe(`${list}: must hold a YAML mapping of sections (${SECTIONS.join(", ")})`);
  });
});

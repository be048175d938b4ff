import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCommandLine, version } from "./cli.js";
import { loadConfig } from "./config.js";
import { ConfigError } from "./errors.js";

function run(args: string[]) {
  const result = parseCommandLine(args);
  if (result.kind !== "run") throw new Error(`expected flags, got: ${JSON.stringify(result)}`);
  return result;
}

describe("flags", () => {
  it("none: no overrides, no file", () => {
    expect(run([])).toEqual({ kind: "run", configFile: undefined, flags: [] });
  });

  it("map to their config keys as text, checked by the config layer", () => {
    const { configFile, flags } = run([
      "--port=5673",
      "--host",
      "127.0.0.1",
      "--data-dir",
      "/tmp/d",
      "--metrics-port",
      "0",
      "--log-level",
      "debug",
      "--log-file",
      "/tmp/amqp.log",
      "--config",
      "/etc/amqp.json",
    ]);
    expect(configFile).toBe("/etc/amqp.json");
    expect(flags).toEqual([
      { section: "server", key: "port", text: "5673", source: "--port" },
      { section: "server", key: "host", text: "127.0.0.1", source: "--host" },
      { section: "server", key: "data_dir", text: "/tmp/d", source: "--data-dir" },
      { section: "server", key: "metrics_port", text: "0", source: "--metrics-port" },
      { section: "log", key: "level", text: "debug", source: "--log-level" },
      { section: "log", key: "file", text: "/tmp/amqp.log", source: "--log-file" },
    ]);
    expect(loadConfig({ flags }).server).toEqual({ host: "127.0.0.1", port: 5673, data_dir: "/tmp/d", metrics_port: 0, metrics_per_object: false, management_port: 15672, load_definitions: null });
  });

  it("the last of a repeated flag wins", () => {
    expect(run(["--port", "1", "--port", "2"]).flags).toEqual([{ section: "server", key: "port", text: "2", source: "--port" }]);
  });

  it("a bad value names the flag", () => {
    expect(() => loadConfig({ flags: run(["--port", "http"]).flags })).toThrow(
      '--port: server.port must be an integer from 0 to 65535, got "http"',
    );
  });

  it("an unknown flag, a stray argument or a missing value is a one-line ConfigError", () => {
    for (const [args, message] of [
      [["--prot", "1"], "Unknown argument: prot"],
      [["start"], "Unknown argument: start"],
      [["--port"], "Not enough arguments following: port"],
    ] as const) {
      let error: unknown;
      try {
        parseCommandLine(args);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toBe(message);
    }
  });
});

describe("--help and --version", () => {
  it("--version prints the package version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    expect(version).toBe(pkg.version);
    expect(parseCommandLine(["--version"])).toEqual({ kind: "print", text: pkg.version });
  });

  it("--help lists usage, every flag with its default, examples and the config keys", () => {
    for (const args of [["--help"], ["-h"]]) {
      const result = parseCommandLine(args);
      expect(result.kind).toBe("print");
      const text = result.kind === "print" ? result.text : "";
      expect(text).toMatch(/^amqp-server \[options\]/);
      for (const name of ["--port", "--host", "--data-dir", "--metrics-port", "--config", "--log-level", "--log-file", "--version", "--help"]) {
        expect(text).toContain(name);
      }
      expect(text).toContain("AMQP port, 0 for any free port (default: 5672)");
      expect(text).toContain("Prometheus metrics port, 0 to disable (default: 15692)");
      expect(text).not.toContain("[string]");
      expect(text).toContain("AMQP_CONNECTION_HEARTBEAT=30 amqp-server");
      expect(text).toContain("AMQP_<SECTION>_<KEY>");
      expect(text).toContain("connection: heartbeat, frame_max, channel_max, handshake_timeout, max_handshaking_connections");
    }
  });
});

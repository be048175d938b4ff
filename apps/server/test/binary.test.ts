/** The built binary's command line: --help, --version and config errors (exit code 2, one line on stderr). */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runBinary } from "./helpers.js";

beforeAll(assertBuilt);

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string; bin: Record<string, string> };

describe("amqp-server binary", () => {
  it("is the package's bin, beside amqpctl, and both start with a node shebang", () => {
    expect(pkg.bin).toEqual({ "amqp-server": "./dist/main.js", amqpctl: "./dist/ctl/main.js" });
    expect(readFileSync(new URL("../dist/main.js", import.meta.url), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
    expect(readFileSync(new URL("../dist/ctl/main.js", import.meta.url), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it("--version prints the package version and exits 0", () => {
    expect(runBinary(["--version"])).toEqual({ status: 0, stdout: `${pkg.version}\n`, stderr: "" });
  });

  it("--help prints usage, flags and examples and exits 0", () => {
    const { status, stdout, stderr } = runBinary(["--help"]);
    expect(status).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toMatch(/^amqp-server \[options\]/);
    expect(stdout).toContain("--metrics-port");
    expect(stdout).toContain("Examples:");
  });

  const dir = mkdtempSync(join(tmpdir(), "amqp-server-bin-"));
  const badFile = join(dir, "bad.json");
  writeFileSync(badFile, JSON.stringify({ connection: { hearbeat: 30 } }));

  it.each([
    [["--port", "70000"], {}, 'amqp-server: --port: server.port must be an integer from 0 to 65535, got "70000"'],
    [[], { AMQP_CONNECTION_HEARTBEAT: "-1" }, 'amqp-server: AMQP_CONNECTION_HEARTBEAT: connection.heartbeat must be an integer from 0 to 65535, got "-1"'],
    [[], { AMQP_SERVER_PROT: "1" }, 'amqp-server: AMQP_SERVER_PROT: unknown key "server.prot" (keys: host, port, data_dir, metrics_port, metrics_per_object, management_port, load_definitions)'],
    [["--config", badFile], {}, `amqp-server: ${badFile}: unknown key "connection.hearbeat" (keys: heartbeat, frame_max, channel_max, handshake_timeout, max_handshaking_connections)`],
    [["--verbose"], {}, "amqp-server: Unknown argument: verbose"],
  ] as const)("%j %j: exit code 2 and one line on stderr", (args, env, message) => {
    expect(runBinary([...args], env)).toEqual({ status: 2, stdout: "", stderr: `${message}\n` });
  });
});

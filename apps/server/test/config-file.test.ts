/** --generate-config and a YAML --config with the real binary. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../src/config.js";
import { assertBuilt, runBinary, spawnServer } from "./helpers.js";

beforeAll(assertBuilt);

describe("config files", () => {
  it("--generate-config writes a commented YAML file; a server started from it runs with exactly the defaults", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-config-bin-"));
    const file = join(dir, "amqp-server.yaml");
    expect(runBinary(["--generate-config", file])).toEqual({ status: 0, stdout: `wrote ${file}: every setting at its default; use it with --config ${file}\n`, stderr: "" });
    expect(readFileSync(file, "utf8")).toContain("# AMQP port, 0 for any free port\n  # --port, AMQP_SERVER_PORT\n  port: 5672\n");
    expect(runBinary(["--generate-config", file])).toMatchObject({ status: 2, stderr: `amqp-server: --generate-config ${file}: the file exists; remove it or pick another name\n` });

    // Flags win over the file: free ports and a data dir of its own; everything else is the file's.
    const dataDir = join(dir, "data");
    const server = spawnServer(["--config", file, "--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--data-dir", dataDir, "--log-level", "debug"]);
    try {
      const logged = (await server.line((l) => l.msg === "config"))["config"];
      const expected = defaultConfig();
      expect(logged).toEqual({ ...expected, server: { ...expected.server, port: 0, host: "127.0.0.1", metrics_port: 0, management_port: 0, data_dir: dataDir }, log: { ...expected.log, level: "debug" } });
      await server.line((l) => l.msg === "listening");
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });

  it("a YAML syntax error is a config error: exit 2, one line naming the file, the line and the column", () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-config-bin-"));
    const file = join(dir, "bad.yml");
    writeFileSync(file, "server:\n  port: [5673\n");
    const run = runBinary(["--config", file]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^amqp-server: ${file}: not valid YAML: .* at line 3, column 1\\n$`));
  });
});

/**
 * auth.default_user / auth.default_pass (and AMQP_DEFAULT_USER / AMQP_DEFAULT_PASS): the first
 * start creates the users file with that user instead of guest, who is then refused.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runBinary, spawnServer } from "./helpers.js";

beforeAll(assertBuilt);

const PASSWORD = "ops-Pa55-not-in-logs";
const LOGIN_REFUSED = /403 \(ACCESS-REFUSED\)/;

describe("default user", () => {
  it("from AMQP_DEFAULT_USER/PASS: creates the users file with that user, who logs in over AMQP; guest is refused, the password is never logged", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "amqp-default-user-"));
    const server = spawnServer(["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--data-dir", dataDir, "--log-level", "debug"], {
      AMQP_DEFAULT_USER: "ops-admin",
      AMQP_DEFAULT_PASS: PASSWORD,
    });
    try {
      const { port } = await server.line((l) => l.msg === "listening");
      const connection = await amqp.connect(`amqp://ops-admin:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`);
      const channel = await connection.createChannel();
      const { queue } = await channel.assertQueue("", { exclusive: true });
      channel.sendToQueue(queue, Buffer.from("hello"));
      const got = await new Promise<string>((resolve) => void channel.consume(queue, (m) => m && resolve(m.content.toString()), { noAck: true }));
      expect(got).toBe("hello");
      await connection.close();
      await expect(amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`)).rejects.toThrow(LOGIN_REFUSED);

      const file = JSON.parse(readFileSync(join(dataDir, "users.json"), "utf8")) as { users: { name: string; tags: string[] }[]; permissions: unknown[] };
      expect(file.users.map((u) => [u.name, u.tags])).toEqual([["ops-admin", ["administrator"]]]);
      expect(file.permissions).toEqual([{ user: "ops-admin", vhost: "/", configure: ".*", write: ".*", read: ".*" }]);
      const config = server.lines.find((l) => l.msg === "config") as { config: { auth: Record<string, unknown> } } | undefined;
      expect(config?.config.auth).toMatchObject({ default_user: "ops-admin", default_pass: "[redacted]" });
      expect(server.lines.find((l) => l.msg.startsWith("no users file: created it"))).toMatchObject({ user: "ops-admin" });
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
    expect(JSON.stringify(server.lines)).not.toContain(PASSWORD);
  });

  it("auth.default_user without auth.default_pass is a config error", () => {
    expect(runBinary(["--default-user", "ops-admin"])).toEqual({
      status: 2,
      stdout: "",
      stderr: "amqp-server: auth.default_user and auth.default_pass go together: set both (AMQP_DEFAULT_USER and AMQP_DEFAULT_PASS), or neither\n",
    });
  });

  it("the users CLI creates a new file with the default user too", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "amqp-default-user-cli-"));
    const env = { AMQP_DEFAULT_USER: "ops-admin", AMQP_DEFAULT_PASS: PASSWORD };
    const run = runBinary(["users", "add", "alice", "pw", "--data-dir", dataDir], env);
    expect(run).toMatchObject({ status: 0, stdout: `created ${join(dataDir, "users.json")}, starting with user ops-admin (auth.default_user) and vhost /\nuser 'alice' added\n` });
    expect(runBinary(["users", "list", "--data-dir", dataDir], env).stdout).toBe("user\ttags\nops-admin\t[administrator]\nalice\t[]\n");
  });
});

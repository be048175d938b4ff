/**
 * Users end to end: the user-management commands exactly as rabbitmqctl users type them, a
 * running server picking up each change without a restart, and no plaintext password anywhere in
 * the data dir or the logs.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsersEditError } from "@amqp-go/auth";
import { ConfigError } from "../src/errors.js";
import { type RunningServer, startServer } from "../src/server.js";
import { assertBuilt, type LogLine, runBinary } from "./helpers.js";

beforeAll(assertBuilt);

const dataDir = mkdtempSync(join(tmpdir(), "amqp-server-users-"));
const usersFile = join(dataDir, "users.json");

/** Every password a test types: none may be found on disk or in a log line. */
const SECRETS = {
  alice1: "alice-first-PLAINTEXT-7f3a",
  alice2: "alice-second-PLAINTEXT-91bc",
  wrong: "wrong-guess-PLAINTEXT-22de",
  bob: "bob-PLAINTEXT-5e6f",
};

/** Runs a user-management command in-process, as the binary does; returns what it prints. */
async function admin(...args: string[]): Promise<string> {
  const r = await startServer([...args, "--data-dir", dataDir], {});
  if (r.kind !== "print") throw new Error("expected output");
  return r.text;
}

const lines: LogLine[] = [];
const cliOutput: string[] = [];
let server: RunningServer;

beforeAll(async () => {
  const started = await startServer(
    ["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--data-dir", dataDir, "--log-level", "debug"],
    { AMQP_CONNECTION_HEARTBEAT: "0" },
    { destination: { write: (line) => void lines.push(JSON.parse(line) as LogLine) } },
  );
  if (started.kind !== "running") throw new Error("expected a running server");
  server = started;
});
afterAll(() => server.stop());

const url = (user: string, password: string, vhost = "/") =>
  `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${server.port}/${encodeURIComponent(vhost)}`;
const LOGIN_REFUSED = /403 \(ACCESS-REFUSED\)/;

/** Runs `edit` (a CLI command) and waits until the server has reloaded the file it wrote. */
async function andReload(edit: () => Promise<string>): Promise<string> {
  const before = lines.filter((l) => l.msg === "users file reloaded").length;
  const out = await edit();
  cliOutput.push(out);
  const deadline = Date.now() + 3000;
  while (lines.filter((l) => l.msg === "users file reloaded").length === before) {
    if (Date.now() > deadline) throw new Error(`no reload after: ${out}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return out;
}

async function connect(user: string, password: string, vhost = "/") {
  const c = await amqp.connect(url(user, password, vhost));
  c.on("error", () => {});
  const closed = new Promise<Error & { code?: number }>((resolve) => c.on("close", resolve));
  return { c, closed };
}

async function opens(user: string, password: string, vhost = "/"): Promise<void> {
  const { c } = await connect(user, password, vhost);
  await (await c.createChannel()).checkExchange("amq.direct");
  await c.close();
}

describe("a server with no users file", () => {
  it("has guest/guest from localhost, and says so in its log", async () => {
    expect(lines.find((l) => l.msg.startsWith("no users file"))).toMatchObject({ level: 40, file: usersFile });
    await opens("guest", "guest");
  });
});

describe("user management while the server runs", () => {
  it("users add: creates the file (guest, /), the user can log in at once, but has no vhost yet", async () => {
    const out = await andReload(() => admin("users", "add", "alice", SECRETS.alice1));
    expect(out).toBe(`created ${usersFile}, starting with user guest (password guest, localhost only) and vhost /\nuser 'alice' added`);
    expect(statSync(usersFile).mode & 0o777).toBe(0o600);
    // Logged in, but no permissions on "/": connection.open is refused with 530.
    await expect(amqp.connect(url("alice", SECRETS.alice1))).rejects.toThrow(/ConnectionClose/);
    expect(lines.filter((l) => l.msg === "connection error").at(-1)).toMatchObject({ replyText: "NOT_ALLOWED - access to vhost '/' refused for user 'alice'" });
    await opens("guest", "guest");
  });

  it("permissions set --vhost / alice .* .* .*: alice opens /", async () => {
    expect(await andReload(() => admin("permissions", "set", "--vhost", "/", "alice", ".*", ".*", ".*"))).toBe(
      "permissions of user 'alice' in vhost '/' set",
    );
    await opens("alice", SECRETS.alice1);
  });

  it("users passwd: the old password is refused, the new one works", async () => {
    await andReload(() => admin("users", "passwd", "alice", SECRETS.alice2));
    await expect(amqp.connect(url("alice", SECRETS.alice1))).rejects.toThrow(LOGIN_REFUSED);
    await expect(amqp.connect(url("alice", SECRETS.wrong))).rejects.toThrow(LOGIN_REFUSED);
    await opens("alice", SECRETS.alice2);
  });

  it("vhosts add + permissions set with patterns: they apply to a vhost created on the fly", async () => {
    await andReload(() => admin("vhosts", "add", "tenant"));
    await andReload(() => admin("permissions", "set", "--vhost", "tenant", "alice", "^t\\.", "^t\\.", "^t\\."));
    const { c } = await connect("alice", SECRETS.alice2, "tenant");
    const ch = await c.createChannel();
    await ch.assertQueue("t.q");
    const other = await c.createChannel();
    other.on("error", () => {});
    await expect(other.assertQueue("x.q")).rejects.toThrow(/403 \(ACCESS-REFUSED\).*access to queue 'x\.q' in vhost 'tenant' refused for user 'alice'/);
    await c.close();
  });

  it("permissions clear: the vhost is refused to new connections", async () => {
    await andReload(() => admin("permissions", "clear", "--vhost", "tenant", "alice"));
    await expect(amqp.connect(url("alice", SECRETS.alice2, "tenant"))).rejects.toThrow(/ConnectionClose/);
  });

  it("vhosts delete: its connections are closed with 320 'vhost ... is deleted'", async () => {
    await andReload(() => admin("permissions", "set", "--vhost", "tenant", "alice", ".*", ".*", ".*"));
    const { closed } = await connect("alice", SECRETS.alice2, "tenant");
    await andReload(() => admin("vhosts", "delete", "tenant"));
    const err = await closed;
    expect(err.code).toBe(320);
    expect(err.message).toContain("CONNECTION_FORCED - vhost 'tenant' is deleted");
  });

  it("users list, vhosts list, permissions list", async () => {
    await andReload(() => admin("users", "add", "bob", SECRETS.bob, "--tags", "monitoring,management"));
    expect(await admin("users", "list")).toBe("user\ttags\nguest\t[administrator]\nalice\t[]\nbob\t[monitoring, management]");
    expect(await admin("vhosts", "list")).toBe("name\n/");
    expect(await admin("permissions", "list")).toBe("vhost\tuser\tconfigure\twrite\tread\n/\tguest\t.*\t.*\t.*\n/\talice\t.*\t.*\t.*");
    expect(await admin("permissions", "list", "--vhost", "nowhere")).toBe("vhost\tuser\tconfigure\twrite\tread");
  });

  it("users delete: the user's connections are closed with 320 'user ... is deleted'", async () => {
    const { closed } = await connect("alice", SECRETS.alice2);
    await andReload(() => admin("users", "delete", "alice"));
    const err = await closed;
    expect(err.code).toBe(320);
    expect(err.message).toContain("CONNECTION_FORCED - user 'alice' is deleted");
    await expect(amqp.connect(url("alice", SECRETS.alice2))).rejects.toThrow(LOGIN_REFUSED);
  });

  it("an invalid file is not loaded: the server keeps the users it had", async () => {
    const good = readFileSync(usersFile, "utf8");
    writeFileSync(usersFile, `${good}, "not": "json"`);
    const deadline = Date.now() + 3000;
    while (!lines.some((l) => l.msg.startsWith("users file not reloaded"))) {
      if (Date.now() > deadline) throw new Error("no error logged");
      await new Promise((r) => setTimeout(r, 10));
    }
    await opens("guest", "guest");
    await andReload(async () => {
      writeFileSync(usersFile, good);
      return "restored";
    });
  });

  it("definitions import: users, vhosts and permissions from a RabbitMQ export, with its hashes", async () => {
    const defs = join(dataDir, "..", `${process.pid}-rabbit-definitions.json`);
    writeFileSync(
      defs,
      JSON.stringify({
        rabbit_version: "3.10.8",
        // Password "1", hashed by RabbitMQ (salted SHA-256).
        users: [{ name: "legacy", password_hash: "y4xPTRVfzXg68sz9ALqeQzARam3CwnGo53xS752cDV5+Utzh", hashing_algorithm: "rabbit_password_hashing_sha256", tags: "" }],
        vhosts: [{ name: "legacy-vhost" }],
        permissions: [{ user: "legacy", vhost: "legacy-vhost", configure: ".*", write: ".*", read: ".*" }],
        queues: [],
      }),
    );
    expect(await andReload(() => admin("definitions", "import", defs))).toBe(`imported 1 users, 1 vhosts and 1 permissions from ${defs}`);
    await opens("legacy", "1", "legacy-vhost");
  });
});

describe("the command line", () => {
  it("the binary: an error the users file refuses exits 1, a usage error 2, each with one line on stderr", () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-server-users-bin-"));
    expect(runBinary(["users", "delete", "nobody", "--data-dir", dir])).toEqual({
      status: 1,
      stdout: "",
      stderr: "amqp-server: user 'nobody' does not exist\n",
    });
    expect(runBinary(["permissions", "set", "guest", ".*", ".*", ".*", "--data-dir", dir])).toEqual({
      status: 2,
      stdout: "",
      stderr: "amqp-server: Missing required argument: vhost\n",
    });
  }, 15_000);

  it("refusals and usage errors in-process: UsersEditError and ConfigError", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-server-users-cli-"));
    const run = (...args: string[]) => startServer([...args, "--data-dir", dir], {});
    expect(await run("vhosts", "add", "v1")).toMatchObject({ kind: "print", text: expect.stringContaining("vhost 'v1' added") });
    await expect(run("vhosts", "add", "v1")).rejects.toThrow(new UsersEditError("vhost 'v1' already exists"));
    await expect(run("permissions", "set", "--vhost", "/", "guest", "(", ".*", ".*")).rejects.toThrow(/^configure: Invalid regular expression/);
    await expect(run("users")).rejects.toThrow(new ConfigError("users: which command? add, delete, list, passwd or set-tags"));
    await expect(run("users", "add", "only-a-name")).rejects.toThrow(ConfigError);
    const help = await run("users", "--help");
    expect(help).toMatchObject({ kind: "print", text: expect.stringContaining("amqp-server users add <name> <password>") });
  });

  it("--users-file instead of --data-dir; names and patterns stay text (no numbers, empty patterns kept)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "amqp-server-users-file-")), "elsewhere.json");
    const run = async (...args: string[]) => {
      const r = await startServer([...args, "--users-file", file], {});
      return r.kind === "print" ? r.text : "";
    };
    await run("users", "add", "007", "0123");
    await run("vhosts", "add", "42");
    expect(await run("permissions", "set", "--vhost", "42", "007", "", "", "^0")).toBe("permissions of user '007' in vhost '42' set");
    const json = JSON.parse(readFileSync(file, "utf8")) as { users: { name: string }[]; permissions: unknown[] };
    expect(json.users.map((u) => u.name)).toEqual(["guest", "007"]);
    expect(json.permissions).toContainEqual({ user: "007", vhost: "42", configure: "", write: "", read: "^0" });
    // Same resolution for the server: AMQP_AUTH_USERS_FILE or --users-file.
    expect(await run("users", "list")).toContain("007\t[]");
  });
});

describe("auth settings", () => {
  const anonymousLogin = { credentials: { mechanism: "ANONYMOUS", response: () => Buffer.alloc(0) } };

  it("ANONYMOUS is off by default", async () => {
    await expect(amqp.connect(`amqp://127.0.0.1:${server.port}`, anonymousLogin)).rejects.toThrow("SASL mechanism ANONYMOUS is not provided by the server");
  });

  it("auth.anonymous_user turns ANONYMOUS on; auth.failed_login_limit limits failed logins per address", async () => {
    const log: LogLine[] = [];
    const other = await startServer(
      ["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--data-dir", mkdtempSync(join(tmpdir(), "amqp-server-anon-"))],
      { AMQP_AUTH_ANONYMOUS_USER: "guest", AMQP_AUTH_FAILED_LOGIN_LIMIT: "2", AMQP_CONNECTION_HEARTBEAT: "0" },
      { destination: { write: (line) => void log.push(JSON.parse(line) as LogLine) } },
    );
    if (other.kind !== "running") throw new Error("expected a running server");
    try {
      const c = await amqp.connect(`amqp://127.0.0.1:${other.port}`, anonymousLogin);
      await c.close();
      expect(log.find((l) => l.msg === "connection open")).toMatchObject({ user: "guest" });
      const guest = `amqp://guest:guest@127.0.0.1:${other.port}`;
      for (const wrong of [SECRETS.wrong, SECRETS.wrong]) await expect(amqp.connect(`amqp://guest:${wrong}@127.0.0.1:${other.port}`)).rejects.toThrow(LOGIN_REFUSED);
      // Past the limit the address is slowed down, not locked out: the right password still gets in.
      const admitted = await amqp.connect(guest);
      await admitted.close();
      expect(log.some((l) => l.msg === "too many failed logins: slowing down logins from this address")).toBe(true);
      lines.push(...log);
    } finally {
      await other.stop();
    }
  });
});

describe("no plaintext password on disk or in logs", () => {
  it("the data dir, the log lines and the CLI output hold none of the passwords used above", async () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else files.push(path);
      }
    };
    walk(dataDir);
    expect(files).toContain(usersFile);
    const disk = files.map((f) => readFileSync(f, "latin1")).join("\n");
    const logs = JSON.stringify(lines);
    // The log did record the logins refused above, and at debug level.
    expect(lines.some((l) => l.msg === "login refused" && l["reason"] === "user 'alice' - invalid credentials")).toBe(true);
    expect(lines.some((l) => l.level === 20)).toBe(true);
    for (const secret of Object.values(SECRETS)) {
      expect(disk).not.toContain(secret);
      expect(logs).not.toContain(secret);
      expect(cliOutput.join("\n")).not.toContain(secret);
    }
    // The hashes are scrypt's.
    expect(JSON.parse(readFileSync(usersFile, "utf8")).users.find((u: { name: string }) => u.name === "bob")).toMatchObject({
      hashing_algorithm: "scrypt",
      password_hash: expect.stringMatching(/^\$scrypt\$ln=15,r=8,p=1\$/),
    });
  });
});

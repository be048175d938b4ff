import { describe, expect, it } from "vitest";
import { UsersFileError } from "./errors.js";
import { hashPassword, rabbitPasswordHash } from "./password-hash.js";
import { initialUsersFile, parseUsersFile, serializeUsersFile } from "./users-file.js";

const cheap = { log2N: 10, r: 8, p: 1 };

/** What `rabbitmqctl export_definitions` writes (RabbitMQ 3.10, abridged), with a password "1". */
const rabbitDefinitions = {
  rabbit_version: "3.10.8",
  rabbitmq_version: "3.10.8",
  product_name: "RabbitMQ",
  users: [
    { name: "app", password_hash: "y4xPTRVfzXg68sz9ALqeQzARam3CwnGo53xS752cDV5+Utzh", hashing_algorithm: "rabbit_password_hashing_sha256", tags: "monitoring,policymaker", limits: {} },
    { name: "cert-only", password_hash: "", hashing_algorithm: "rabbit_password_hashing_sha256", tags: "" },
  ],
  vhosts: [{ name: "/", description: "Default virtual host", metadata: { tags: [] } }, { name: "orders" }],
  permissions: [{ user: "app", vhost: "orders", configure: "^app\\.", write: ".*", read: ".*" }],
  topic_permissions: [],
  queues: [{ name: "q1", vhost: "orders", durable: true, auto_delete: false, arguments: {} }],
  exchanges: [],
  bindings: [],
};

function error(text: string): string {
  try {
    parseUsersFile(text, "users.json");
  } catch (e) {
    expect(e).toBeInstanceOf(UsersFileError);
    return (e as Error).message;
  }
  throw new Error("expected a UsersFileError");
}

describe("the users file", () => {
  it("reads a RabbitMQ definitions export as it is: comma-separated tags, empty hashes", () => {
    const f = parseUsersFile(JSON.stringify(rabbitDefinitions), "defs.json");
    expect(f.users.map((u) => [u.name, u.tags])).toEqual([["app", ["monitoring", "policymaker"]], ["cert-only", []]]);
    expect(f.vhosts.map((v) => v.name)).toEqual(["/", "orders"]);
    expect(f.permissions).toEqual([{ user: "app", vhost: "orders", configure: "^app\\.", write: ".*", read: ".*" }]);
  });

  it("keeps what it does not use (queues, vhost metadata, user limits) when written back", () => {
    const f = parseUsersFile(JSON.stringify(rabbitDefinitions), "defs.json");
    const again = JSON.parse(serializeUsersFile(f)) as typeof rabbitDefinitions;
    expect(again.queues).toEqual(rabbitDefinitions.queues);
    expect(again.rabbit_version).toBe("3.10.8");
    expect(again.vhosts[0]).toEqual(rabbitDefinitions.vhosts[0]);
    expect(again.users[0]).toMatchObject({ limits: {}, tags: ["monitoring", "policymaker"] });
    expect(parseUsersFile(serializeUsersFile(f), "again")).toEqual(f);
  });

  it("a missing hashing_algorithm is RabbitMQ's default, SHA-256", () => {
    const { password_hash } = rabbitPasswordHash("x");
    const f = parseUsersFile(JSON.stringify({ users: [{ name: "u", password_hash }] }), "f");
    expect(f.users[0]?.hashing_algorithm).toBe("rabbit_password_hashing_sha256");
  });

  it("starts as RabbitMQ's first boot: guest (administrator) with every permission on /", () => {
    const f = initialUsersFile(hashPassword("guest", cheap));
    expect(f.users.map((u) => [u.name, u.tags, u.hashing_algorithm])).toEqual([["guest", ["administrator"], "scrypt"]]);
    expect(f.vhosts).toEqual([{ name: "/" }]);
    expect(f.permissions).toEqual([{ user: "guest", vhost: "/", configure: ".*", write: ".*", read: ".*" }]);
  });

  it.each([
    ["[]", "users.json: must hold a JSON object"],
    ["{", "users.json: not valid JSON"],
    ['{"users": {}}', 'users.json: "users" must be an array'],
    ['{"users": [{"password_hash": ""}]}', "users.json: users[0].name must be a non-empty string"],
    ['{"users": [{"name": "a", "password_hash": ""}, {"name": "a", "password_hash": ""}]}', "users.json: users[1]: user 'a' is listed twice"],
    ['{"users": [{"name": "a", "password_hash": "x", "hashing_algorithm": "bcrypt"}]}', "users.json: users[0] (user 'a'): password_hash has an unknown hashing_algorithm 'bcrypt'"],
    ['{"users": [{"name": "a", "password_hash": "", "tags": 3}]}', "users.json: users[0].tags must be an array of strings"],
    ['{"vhosts": [{"name": "/"}, {"name": "/"}]}', "users.json: vhosts[1]: vhost '/' is listed twice"],
    ['{"vhosts": [{"name": "/"}], "permissions": [{"user": "x", "vhost": "/", "configure": "", "write": "", "read": ""}]}', "users.json: permissions[0]: no user 'x' in users"],
    ['{"users": [{"name": "a", "password_hash": ""}], "permissions": [{"user": "a", "vhost": "/", "configure": "", "write": "", "read": ""}]}', "users.json: permissions[0]: no vhost '/' in vhosts"],
    ['{"users": [{"name": "a", "password_hash": ""}], "vhosts": [{"name": "/"}], "permissions": [{"user": "a", "vhost": "/", "configure": "(", "write": "", "read": ""}]}', "users.json: permissions[0].configure: Invalid regular expression"],
    ['{"users": [{"name": "a", "password_hash": ""}], "vhosts": [{"name": "/"}], "permissions": [{"user": "a", "vhost": "/", "configure": "", "write": ""}]}', "users.json: permissions[0].read must be a string"],
  ])("refuses %s", (text, message) => {
    expect(error(text)).toContain(message);
  });
});

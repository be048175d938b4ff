import { describe, expect, it } from "vitest";
import { UsersEditError } from "./errors.js";
import { rabbitPasswordHash } from "./password-hash.js";
import { initialUsersFile, type UsersFile } from "./users-file.js";
import { addUser, addVhost, changePassword, clearPermissions, deleteUser, deleteVhost, importDefinitions, setPermissions, setTags } from "./users-file-edit.js";

const pw = (p: string) => rabbitPasswordHash(p);
const start = (): UsersFile => initialUsersFile(pw("guest"));
const all = { configure: ".*", write: ".*", read: ".*" };

function refused(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsersEditError);
    return (e as Error).message;
  }
  throw new Error("expected a UsersEditError");
}

describe("users file edits", () => {
  it("add, change and delete users; deleting one deletes its permissions", () => {
    let f = addUser(start(), "alice", pw("a"), ["monitoring"]);
    f = setPermissions(f, "alice", "/", all);
    f = setTags(f, "alice", ["administrator"]);
    const p2 = pw("b");
    f = changePassword(f, "alice", p2);
    expect(f.users.find((u) => u.name === "alice")).toMatchObject({ tags: ["administrator"], password_hash: p2.password_hash });
    f = deleteUser(f, "alice");
    expect(f.users.map((u) => u.name)).toEqual(["guest"]);
    expect(f.permissions.map((p) => p.user)).toEqual(["guest"]);
  });

  it("add and delete vhosts; deleting one deletes permissions on it", () => {
    let f = addVhost(start(), "orders");
    f = setPermissions(f, "guest", "orders", { configure: "^$", write: "^o", read: "" });
    expect(f.permissions).toHaveLength(2);
    f = setPermissions(f, "guest", "orders", all);
    expect(f.permissions).toHaveLength(2);
    f = clearPermissions(f, "guest", "orders");
    expect(f.permissions.map((p) => p.vhost)).toEqual(["/"]);
    f = clearPermissions(f, "guest", "orders");
    f = setPermissions(f, "guest", "orders", all);
    f = deleteVhost(f, "orders");
    expect(f.vhosts.map((v) => v.name)).toEqual(["/"]);
    expect(f.permissions.map((p) => p.vhost)).toEqual(["/"]);
  });

  it("refuses what rabbitmqctl refuses", () => {
    const f = start();
    expect(refused(() => addUser(f, "guest", pw("x")))).toBe("user 'guest' already exists");
    expect(refused(() => addUser(f, "", pw("x")))).toBe("a user name cannot be empty");
    expect(refused(() => deleteUser(f, "nobody"))).toBe("user 'nobody' does not exist");
    expect(refused(() => changePassword(f, "nobody", pw("x")))).toBe("user 'nobody' does not exist");
    expect(refused(() => addVhost(f, "/"))).toBe("vhost '/' already exists");
    expect(refused(() => deleteVhost(f, "nowhere"))).toBe("vhost 'nowhere' does not exist");
    expect(refused(() => setPermissions(f, "guest", "nowhere", all))).toBe("vhost 'nowhere' does not exist");
    expect(refused(() => setPermissions(f, "nobody", "/", all))).toBe("user 'nobody' does not exist");
    expect(refused(() => setPermissions(f, "guest", "/", { ...all, write: "[" }))).toMatch(/^write: Invalid regular expression/);
  });

  it("imports definitions: same names replaced, others added", () => {
    const mine = addUser(addVhost(start(), "mine"), "keep", pw("k"));
    const theirs: UsersFile = {
      users: [{ name: "guest", ...pw("new-guest"), tags: [] }, { name: "app", ...pw("app"), tags: [] }],
      vhosts: [{ name: "orders" }, { name: "/" }],
      permissions: [{ user: "app", vhost: "orders", ...all }, { user: "guest", vhost: "/", configure: "^$", write: ".*", read: ".*" }],
      other: { queues: [] },
    };
    const f = importDefinitions(mine, theirs);
    expect(f.users.map((u) => u.name)).toEqual(["keep", "guest", "app"]);
    expect(f.vhosts.map((v) => v.name)).toEqual(["mine", "orders", "/"]);
    expect(f.permissions).toEqual([{ user: "app", vhost: "orders", ...all }, { user: "guest", vhost: "/", configure: "^$", write: ".*", read: ".*" }]);
    expect(f.other).toEqual({});
  });
});

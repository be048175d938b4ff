import { mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsersFileError } from "./errors.js";
import { rabbitPasswordHash } from "./password-hash.js";
import { addUser } from "./users-file-edit.js";
import { initialUsersFile } from "./users-file.js";
import { editUsersFile, readUsersFile } from "./users-file-store.js";

const dir = () => mkdtempSync(join(tmpdir(), "amqp-auth-store-"));

describe("the users file on disk", () => {
  it("is missing: readUsersFile says so; the first edit creates it (and its directory) from the initial file", () => {
    const path = join(dir(), "deeper", "users.json");
    expect(readUsersFile(path)).toBeUndefined();
    const edited = editUsersFile(path, (f) => ({ file: addUser(f, "alice", rabbitPasswordHash("pw")), result: "done" }));
    expect(edited).toEqual({ result: "done", created: true });
    const loaded = readUsersFile(path)!;
    expect(loaded.file.users.map((u) => u.name)).toEqual(["guest", "alice"]);
    expect(loaded.text).toBe(readFileSync(path, "utf8"));
    // Owner-only: it holds password hashes.
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // No temporary or lock file left behind.
    expect(readdirSync(join(path, ".."))).toEqual(["users.json"]);
    expect(editUsersFile(path, (f) => ({ file: f, result: 1 })).created).toBe(false);
  });

  it("a first edit starts from the initial file it is given: another default user, and no guest", () => {
    const path = join(dir(), "users.json");
    const initial = () => initialUsersFile(rabbitPasswordHash("s3cret"), "admin");
    expect(editUsersFile(path, (f) => ({ file: addUser(f, "alice", rabbitPasswordHash("pw")), result: 0 }), initial).created).toBe(true);
    const { file } = readUsersFile(path)!;
    expect(file.users.map((u) => [u.name, u.tags])).toEqual([["admin", ["administrator"]], ["alice", []]]);
    expect(file.permissions).toEqual([{ user: "admin", vhost: "/", configure: ".*", write: ".*", read: ".*" }]);
    expect(file.vhosts).toEqual([{ name: "/" }]);
  });

  it("an edit that throws leaves the file as it was", () => {
    const d = dir();
    const path = join(d, "users.json");
    editUsersFile(path, (f) => ({ file: f, result: undefined }));
    const before = readFileSync(path, "utf8");
    expect(() =>
      editUsersFile(path, () => {
        throw new Error("no");
      }),
    ).toThrow("no");
    expect(readFileSync(path, "utf8")).toBe(before);
    expect(readdirSync(d)).toEqual(["users.json"]);
  });

  it("a bad file is a UsersFileError naming it", () => {
    const path = join(dir(), "users.json");
    writeFileSync(path, "{not json");
    expect(() => readUsersFile(path)).toThrow(UsersFileError);
    expect(() => readUsersFile(path)).toThrow(`${path}: not valid JSON`);
  });

  it("waits for another edit's lock, and breaks a stale one", () => {
    const path = join(dir(), "users.json");
    writeFileSync(`${path}.lock`, "");
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${path}.lock`, old, old);
    expect(editUsersFile(path, (f) => ({ file: f, result: "ok" })).result).toBe("ok");
  });
});

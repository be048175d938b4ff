import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { rabbitPasswordHash } from "./password-hash.js";
import { initialUsersFile, serializeUsersFile } from "./users-file.js";
import { addUser } from "./users-file-edit.js";
import { writeUsersFile } from "./users-file-store.js";
import { type UsersFileChange, UsersFileWatcher } from "./users-file-watcher.js";

const watchers: UsersFileWatcher[] = [];
afterEach(() => {
  for (const w of watchers.splice(0)) w.close();
});

/** Starts a watcher and returns the changes it reports, and a way to wait for the next one. */
function watch(path: string, text?: string) {
  const changes: UsersFileChange[] = [];
  let wake: (() => void) | undefined;
  watchers.push(
    new UsersFileWatcher(
      path,
      (c) => {
        changes.push(c);
        wake?.();
      },
      { text, pollMs: 50 },
    ),
  );
  const next = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${changes.length} changes: ${JSON.stringify(changes)}`)), 3000);
      const check = () => {
        if (changes.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      };
      wake = check;
      check();
    });
  return { changes, next };
}

describe("UsersFileWatcher", () => {
  it("reports each new version written atomically, a bad version, and removal", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-auth-watch-"));
    const path = join(dir, "users.json");
    const first = initialUsersFile(rabbitPasswordHash("guest"));
    writeUsersFile(path, first);
    const w = watch(path, serializeUsersFile(first));

    writeUsersFile(path, addUser(first, "alice", rabbitPasswordHash("a")));
    await w.next(1);
    expect(w.changes[0]).toMatchObject({ kind: "loaded" });
    expect(w.changes[0]?.kind === "loaded" && w.changes[0].file.users.map((u) => u.name)).toEqual(["guest", "alice"]);

    writeFileSync(path, "{oops");
    await w.next(2);
    expect(w.changes[1]).toMatchObject({ kind: "invalid", error: { message: expect.stringContaining("not valid JSON") } });

    rmSync(path);
    await w.next(3);
    expect(w.changes[2]).toEqual({ kind: "removed" });
  });

  it("sees a file created in a directory that did not exist when it started (by polling)", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "amqp-auth-watch-")), "later");
    const path = join(dir, "users.json");
    const w = watch(path);
    await new Promise((r) => setTimeout(r, 150));
    expect(w.changes).toEqual([]);
    writeUsersFile(path, initialUsersFile(rabbitPasswordHash("guest")));
    await w.next(1);
    expect(w.changes[0]?.kind).toBe("loaded");
  });

  it("reports a change made before it started, against the text it was given", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-auth-watch-"));
    const path = join(dir, "users.json");
    const f = initialUsersFile(rabbitPasswordHash("guest"));
    writeUsersFile(path, addUser(f, "early", rabbitPasswordHash("e")));
    const w = watch(path, serializeUsersFile(f));
    await w.next(1);
    expect(w.changes[0]?.kind === "loaded" && w.changes[0].file.users.map((u) => u.name)).toEqual(["guest", "early"]);
  });

  it("does not report a rewrite with the same text", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amqp-auth-watch-"));
    const path = join(dir, "users.json");
    const f = initialUsersFile(rabbitPasswordHash("guest"));
    writeUsersFile(path, f);
    const w = watch(path, serializeUsersFile(f));
    writeUsersFile(path, f);
    await new Promise((r) => setTimeout(r, 200));
    expect(w.changes).toEqual([]);
  });
});

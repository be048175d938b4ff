import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataDirLock, DataDirLockedError, LOCK_FILE } from "./data-dir-lock.js";

const fresh = (): string => mkdtempSync(join(tmpdir(), "amqp-lock-"));
const held = (dir: string): unknown => JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"));
/** The pid of a process that has exited. */
const deadPid = (): number => Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);

describe("DataDirLock", () => {
  it("creates <dir>/.lock with pid, host and startedAt, and removes it on release", () => {
    const dir = join(fresh(), "not-yet");
    const lock = DataDirLock.acquire(dir);
    expect(held(dir)).toEqual({ pid: process.pid, host: hostname(), startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    lock.release();
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it("refuses a lock held by a live process on this host, naming its pid", () => {
    const dir = fresh();
    // Our parent is alive and not us.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: "2026-01-01T00:00:00.000Z" }));
    const err = (() => {
      try {
        DataDirLock.acquire(dir);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect((err as Error).message).toBe(
      `${join(dir, LOCK_FILE)}: the data directory is in use by another amqp-server (pid ${process.ppid} on ${hostname()}, started 2026-01-01T00:00:00.000Z); stop it, or give this one another --data-dir`,
    );
    expect(held(dir)).toMatchObject({ pid: process.ppid });
  });

  it("takes over a lock whose pid is dead, or is our own", () => {
    for (const pid of [deadPid(), process.pid]) {
      const dir = fresh();
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), startedAt: "2026-01-01T00:00:00.000Z" }));
      const lock = DataDirLock.acquire(dir);
      expect(held(dir)).toEqual(lock.owner);
      expect(lock.owner.pid).toBe(process.pid);
      lock.release();
    }
  });

  it("takes over another host's lock only once it is untouched for the stale time", () => {
    const dir = fresh();
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, JSON.stringify({ pid: 1, host: "elsewhere.example", startedAt: "2026-01-01T00:00:00.000Z" }));
    expect(() => DataDirLock.acquire(dir)).toThrow(/pid 1 on elsewhere\.example/);
    const old = new Date(Date.now() - 11_000);
    utimesSync(path, old, old);
    const lock = DataDirLock.acquire(dir);
    expect(held(dir)).toMatchObject({ pid: process.pid, host: hostname() });
    lock.release();
  });

  it("the owner touches the file, so another host does not take it over", async () => {
    const dir = fresh();
    const path = join(dir, LOCK_FILE);
    const lock = DataDirLock.acquire(dir, { touchMs: 20 });
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    await new Promise((r) => setTimeout(r, 100));
    const { mtimeMs } = statSync(path);
    expect(Date.now() - mtimeMs).toBeLessThan(1000);
    lock.release();
  });

  it("an unreadable (half-written) lock is refused while fresh", () => {
    const dir = fresh();
    writeFileSync(join(dir, LOCK_FILE), "");
    expect(() => DataDirLock.acquire(dir)).toThrow("(a server that is starting)");
  });
});

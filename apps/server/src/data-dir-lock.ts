/**
 * The data directory's lock: `<data_dir>/.lock`, created exclusively (O_EXCL) and holding
 * `{"pid", "host", "startedAt"}`, so that a second server on the same directory (two writers on
 * one write-ahead log) refuses to start and names the process that holds it.
 *
 * A lock left by a process that died is taken over: on this host when its pid is not alive, or is
 * our own pid (a container restarted: pid 1 again); from another host (a shared volume), when it
 * has not been touched for STALE_MS, since its owner touches it every TOUCH_MS. Taking over renames
 * the stale file aside first and checks it was the one judged stale, so two servers starting at
 * once cannot both take it.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/** What the lock file holds. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

export interface DataDirLockOptions {
  /** How often the owner touches the file, ms. */
  readonly touchMs?: number;
  /** A lock from another host untouched for this long is stale, ms. */
  readonly staleMs?: number;
}

export const LOCK_FILE = ".lock";
const TOUCH_MS = 2000;
const STALE_MS = 10_000;

/** The directory is held by a live server; its message names that server's pid. */
export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
  constructor(
    readonly path: string,
    readonly owner: LockOwner | undefined,
  ) {
    const who = owner === undefined ? "a server that is starting" : `pid ${owner.pid} on ${owner.host}, started ${owner.startedAt}`;
    super(`${path}: the data directory is in use by another amqp-server (${who}); stop it, or give this one another --data-dir`);
  }
}

export class DataDirLock {
  private readonly timer: NodeJS.Timeout;
  private released = false;

  private constructor(
    readonly path: string,
    readonly owner: LockOwner,
    touchMs: number,
  ) {
    this.timer = setInterval(() => this.touch(), touchMs);
    this.timer.unref();
  }

  /** Takes the lock of `dataDir` (creating the directory), taking over a stale one; throws DataDirLockedError when a live server holds it. */
  static acquire(dataDir: string, options: DataDirLockOptions = {}): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, LOCK_FILE);
    const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    const staleMs = options.staleMs ?? STALE_MS;
    // A few rounds: each either creates the file, refuses, or moves a stale one aside and retries.
    for (let round = 0; round < 5; round++) {
      if (create(path, owner)) return new DataDirLock(path, owner, options.touchMs ?? TOUCH_MS);
      const held = readLock(path);
      if (held === undefined) continue; // Released meanwhile.
      if (!isStale(held, staleMs)) throw new DataDirLockedError(path, held.owner);
      takeOver(path, held.text);
    }
    throw new DataDirLockedError(path, readLock(path)?.owner);
  }

  /** Removes the file if it is still ours. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    const held = readLock(this.path);
    if (held?.owner?.pid === this.owner.pid && held.owner.startedAt === this.owner.startedAt) rmSync(this.path, { force: true });
  }

  private touch(): void {
    const now = new Date();
    try {
      utimesSync(this.path, now, now);
    } catch {
      // Removed by hand: the next start will simply create it.
    }
  }
}

function create(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

interface HeldLock {
  readonly text: string;
  /** Undefined while its creator has not written it yet, or when it is not ours to read. */
  readonly owner: LockOwner | undefined;
  readonly mtimeMs: number;
}

function readLock(path: string): HeldLock | undefined {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  return { text, owner: parseOwner(text), mtimeMs };
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const json = JSON.parse(text) as Partial<LockOwner>;
    if (typeof json.pid === "number" && typeof json.host === "string" && typeof json.startedAt === "string") {
      return { pid: json.pid, host: json.host, startedAt: json.startedAt };
    }
  } catch {
    // Empty (being written) or garbage.
  }
  return undefined;
}

function isStale(held: HeldLock, staleMs: number): boolean {
  const { owner } = held;
  const untouched = Date.now() - held.mtimeMs > staleMs;
  if (owner === undefined || owner.host !== hostname()) return untouched;
  if (owner.pid === process.pid) return true;
  return !isAlive(owner.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, another user's.
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Moves the stale file aside. If what was moved is not what was judged stale (another server took
 * it over in between and wrote its own), it is put back (link: only if the path is still free).
 */
function takeOver(path: string, staleText: string): void {
  const aside = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  try {
    if (readFileSync(aside, "utf8") !== staleText) {
      try {
        linkSync(aside, path);
      } catch {
        // Someone else holds it now; the next round sees that.
      }
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

/**
 * The users file on disk. Every write is atomic: the new text goes to a temporary file beside it
 * (mode 0600: it holds password hashes), is fsynced, then renamed over the file, so a reader (the
 * running server's reload) sees the old file or the new one, never half of one. Edits hold a lock
 * file (`users.json.lock`, created exclusively) so two CLI runs at once do not lose an update.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { UsersFileError } from "./errors.js";
import { hashPassword } from "./password-hash.js";
import { initialUsersFile, parseUsersFile, serializeUsersFile, type UsersFile } from "./users-file.js";

export interface LoadedUsersFile {
  readonly file: UsersFile;
  /** The text it was parsed from, to tell a real change from a touch. */
  readonly text: string;
}

/** Reads and checks the file; undefined when there is none. */
export function readUsersFile(path: string): LoadedUsersFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new UsersFileError(`${path}: cannot read the file (${code ?? (err as Error).message})`);
  }
  return { file: parseUsersFile(text, path), text };
}

/** Replaces the file atomically, creating its directory if needed. */
export function writeUsersFile(path: string, file: UsersFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const fd = openSync(temporary, "wx", 0o600);
  try {
    writeSync(fd, serializeUsersFile(file));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
}

export interface Edited<T> {
  readonly result: T;
  /** The file did not exist and was created, starting from the initial user (guest unless given) and "/" vhost. */
  readonly created: boolean;
}

const LOCK_WAIT_MS = 5000;
/** A lock older than this was left by a process that died. */
const LOCK_STALE_MS = 30_000;

/**
 * Reads the file (or the initial one when there is none: `initial()`, by default guest/guest),
 * applies `edit`, and writes the result, under the lock. `edit` returns the new file and a result
 * for the caller.
 */
export function editUsersFile<T>(
  path: string,
  edit: (file: UsersFile) => { file: UsersFile; result: T },
  initial: () => UsersFile = () => initialUsersFile(hashPassword("guest")),
): Edited<T> {
  mkdirSync(dirname(path), { recursive: true });
  const unlock = lock(`${path}.lock`);
  try {
    const loaded = readUsersFile(path);
    const { file, result } = edit(loaded?.file ?? initial());
    writeUsersFile(path, file);
    return { result, created: loaded === undefined };
  } finally {
    unlock();
  }
}

function lock(path: string): () => void {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(path, "wx", 0o600));
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    try {
      if (Date.now() - statSync(path).mtimeMs > LOCK_STALE_MS) unlinkSync(path);
    } catch {
      // Released meanwhile.
    }
    if (Date.now() > deadline) throw new UsersFileError(`${path}: locked by another edit for over ${LOCK_WAIT_MS / 1000} s`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

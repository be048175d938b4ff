/**
 * A test hook on the storage's writes: makes them fail as a full disk does (ENOSPC), or makes
 * fdatasync slow, in this process, without a real full or slow disk. Every write and sync the
 * storage makes asks `writeFault(what)` first (once per batch, a plain property read when no fault
 * is set): the write-ahead log, segment files, ack files, definitions, queue directories.
 *
 *   storageFaults.failWith("ENOSPC");             // every storage write fails from now on
 *   storageFaults.failWith("ENOSPC", (w) => w === "metadata"); // only the definitions
 *   storageFaults.failWith(null);                 // space is back
 *   storageFaults.syncDelayMs = 50;               // each fdatasync of the log takes 50 ms more
 *   storageFaults.freeBytes = 1000;               // diskFree() says 1000 octets are left
 *
 * `what` is one of: "wal", "segment", "ack", "metadata", "queue-dir", "lease".
 */
import { statfs } from "node:fs/promises";

export type WriteTarget = "wal" | "segment" | "ack" | "metadata" | "queue-dir" | "lease";

class StorageFaults {
  private code: string | null = null;
  private filter: ((what: WriteTarget) => boolean) | null = null;
  /** Writes failed by the hook so far. */
  failed = 0;
  /** Milliseconds added to every fdatasync of the write-ahead log (a slow disk). */
  syncDelayMs = 0;
  /** Free octets diskFree() reports instead of the file system's (null: the real figure). */
  freeBytes: number | null = null;

  /** Fails every write (of the targets `filter` accepts) with `code` until failWith(null). */
  failWith(code: string | null, filter?: (what: WriteTarget) => boolean): void {
    this.code = code;
    this.filter = filter ?? null;
  }

  /** The error a write of `what` fails with now, or null. */
  check(what: WriteTarget): NodeJS.ErrnoException | null {
    const code = this.code;
    if (code === null || (this.filter !== null && !this.filter(what))) return null;
    this.failed++;
    const err: NodeJS.ErrnoException = new Error(`${code}: ${code === "ENOSPC" ? "no space left on device" : "injected fault"}, write (${what})`);
    err.code = code;
    err.errno = code === "ENOSPC" ? -28 : -5;
    err.syscall = "write";
    return err;
  }
}

/** The process's storage fault hook (tests only; nothing sets it in production). */
export const storageFaults = new StorageFaults();

/** Throws the injected fault for a write of `what`, if one is set. */
export function checkWrite(what: WriteTarget): void {
  const err = storageFaults.check(what);
  if (err !== null) throw err;
}

/** Free octets for an unprivileged user on the file system of `dir` (statfs), or the hook's figure. */
export async function diskFree(dir: string): Promise<number> {
  const fake = storageFaults.freeBytes;
  if (fake !== null) return fake;
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

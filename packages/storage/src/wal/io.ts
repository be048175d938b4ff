/**
 * The file calls the WAL's writer makes, all callback-style so they run on the libuv thread pool
 * and never block the event loop. Node's `fs` is the default; tests pass a wrapper around it to
 * count syncs, see the order of calls or make one fail. Recovery at open() uses `fs/promises`
 * directly: it runs once, before the first append.
 */
import fs from "node:fs";
import { storageFaults } from "../storage-faults.js";

export type IoCallback = (err: NodeJS.ErrnoException | null) => void;

export interface WalIo {
  open(path: string, flags: string, callback: (err: NodeJS.ErrnoException | null, fd: number) => void): void;
  write(
    fd: number,
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: NodeJS.ErrnoException | null, written: number) => void,
  ): void;
  /** Data and the size, not the mtime: what a log needs to be read back after a crash. */
  fdatasync(fd: number, callback: IoCallback): void;
  /** Used on the directory after a file is created, so its entry survives a power loss. */
  fsync(fd: number, callback: IoCallback): void;
  close(fd: number, callback: IoCallback): void;
}

/** node:fs, behind the test hook (storage-faults.ts): an injected fault fails the call without doing it. */
export const nodeIo: WalIo = {
  open: (path, flags, cb) => {
    const fault = storageFaults.check("wal");
    if (fault !== null) return process.nextTick(cb, fault, -1);
    fs.open(path, flags, cb);
  },
  write: (fd, buffer, offset, length, position, cb) => {
    const fault = storageFaults.check("wal");
    if (fault !== null) return process.nextTick(cb, fault, 0);
    fs.write(fd, buffer, offset, length, position, cb);
  },
  fdatasync: (fd, cb) => {
    const delay = storageFaults.syncDelayMs;
    if (delay > 0) setTimeout(() => fs.fdatasync(fd, cb), delay);
    else fs.fdatasync(fd, cb);
  },
  fsync: (fd, cb) => fs.fsync(fd, cb),
  close: (fd, cb) => fs.close(fd, cb),
};

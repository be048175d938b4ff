/**
 * The few file calls the segment tier makes, on `fs/promises` so each runs on the libuv thread pool
 * and the event loop never waits on the disk. One Promise per batch or per read range, never per
 * message.
 */
import { open, type FileHandle } from "node:fs/promises";

/** pwrite until all of `length` octets are written (a regular file rarely writes short, but may). */
export async function writeFully(h: FileHandle, buf: Buffer, offset: number, length: number, position: number): Promise<void> {
  while (length > 0) {
    const { bytesWritten } = await h.write(buf, offset, length, position);
    offset += bytesWritten;
    position += bytesWritten;
    length -= bytesWritten;
  }
}

/** pread `length` octets at `position` into a new Buffer; shorter only at the end of the file. */
export async function readAt(h: FileHandle, position: number, length: number, into?: Buffer): Promise<Buffer> {
  const buf = into !== undefined && into.length >= length ? into : Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await h.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}

/** fsync a directory, so that a file created, renamed or removed in it stays so after a power loss. */
export async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** The error code of a Node system error, or undefined. */
export function errorCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

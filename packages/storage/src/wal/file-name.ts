/**
 * WAL file names: `wal-<first sequence, 16 lower-case hex digits>.log`, e.g. `wal-0000000100000000.log`.
 * Fixed width, so the lexical order of names is the order of the files; the first sequence in the
 * name is what `checkpoint` needs to know which files hold only older records, without reading them.
 * A file's first record has at least that sequence (a file can also be empty).
 */
import { readdir } from "node:fs/promises";

const PATTERN = /^wal-([0-9a-f]{16})\.log$/;

export function walFileName(firstSeq: number): string {
  return `wal-${firstSeq.toString(16).padStart(16, "0")}.log`;
}

/** The first sequence a WAL file name carries, or -1 if it is not a WAL file name. */
export function parseWalFileName(name: string): number {
  const m = PATTERN.exec(name);
  if (m === null) return -1;
  const seq = Number.parseInt(m[1] as string, 16);
  return Number.isSafeInteger(seq) ? seq : -1;
}

export interface WalFile {
  readonly name: string;
  readonly firstSeq: number;
}

/** The WAL files in `dir`, oldest first; other files are ignored. */
export async function listWalFiles(dir: string): Promise<WalFile[]> {
  const files: WalFile[] = [];
  for (const name of await readdir(dir)) {
    const firstSeq = parseWalFileName(name);
    if (firstSeq >= 0) files.push({ name, firstSeq });
  }
  return files.sort((a, b) => a.firstSeq - b.firstSeq);
}

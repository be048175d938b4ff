/**
 * Durable broker metadata (exchanges, queues, bindings; later users and permissions) as one JSON
 * document replaced atomically, the previous one kept beside it:
 *
 *   write <name>.tmp, fsync it -> rename <name> to <name>.prev -> rename <name>.tmp to <name> -> fsync the dir
 *
 * After a crash <name> is the old document or the new one, never a mix; between the two renames
 * only <name>.prev is there, and load() takes it (the save that crashed was never acknowledged).
 *
 * The document carries a CRC-32 of its JSON as a last key, `"crc32":N` (JSON readers see one more
 * field). A file without it (written before it existed) is read as it is. A file that does not parse
 * or whose checksum does not match is damaged: it is renamed `<name>.damaged` (kept for a human) and
 * <name>.prev is used, which `loaded` reports; when that is damaged or missing too, load() throws,
 * naming the files: the broker never starts silently without the user's definitions.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { crc32 } from "node:zlib";
import { checkWrite } from "./storage-faults.js";

/** What load() found, for the caller to log. */
export interface MetadataLoad {
  /** The file the document came from (null: none, a first start). */
  readonly file: string | null;
  /** Files found damaged (each renamed `.damaged`), with why. */
  readonly damaged: ReadonlyArray<{ readonly file: string; readonly reason: string }>;
  /** The document is the previous one (<name>.prev): the newest was damaged or missing. */
  readonly fallback: boolean;
}

export class MetadataStore<T> {
  private readonly path: string;
  /** Saves run one after the other; a save asked for while one runs replaces any still waiting. */
  private running: Promise<void> | null = null;
  private next: T | undefined = undefined;
  private waiting: Promise<void> | null = null;
  /** What the last load() found. */
  loaded: MetadataLoad = { file: null, damaged: [], fallback: false };

  constructor(dir: string, name = "metadata.json") {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, name);
    // A temporary file left by a crash mid-save is not the document.
    rmSync(`${this.path}.tmp`, { force: true });
  }

  /** The document saved last (or the one before, when that one is damaged); undefined when none was ever saved. */
  load(): T | undefined {
    const damaged: { file: string; reason: string }[] = [];
    const prev = `${this.path}.prev`;
    for (const file of [this.path, prev]) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw e;
      }
      try {
        const doc = decode<T>(text);
        this.loaded = { file, damaged, fallback: file === prev };
        return doc;
      } catch (e) {
        damaged.push({ file, reason: (e as Error).message });
        // Kept for a human; and out of the way, so that the next save does not rotate it into .prev.
        renameSync(file, `${file}.damaged`);
      }
    }
    if (damaged.length > 0) {
      const list = damaged.map((d) => `${d.file} (${d.reason}, kept as ${d.file}.damaged)`).join(", ");
      throw new Error(`metadata damaged and no good copy left: ${list}; remove the .damaged files to start without them`);
    }
    this.loaded = { file: null, damaged, fallback: false };
    return undefined;
  }

  /** Replaces the document atomically and durably; resolves once it is on disk. */
  save(doc: T): Promise<void> {
    this.next = doc;
    if (this.running === null) {
      this.running = this.drain();
      return this.running;
    }
    // One save is on its way to disk: this one follows, and later ones before it starts share it.
    this.waiting ??= this.running.then(() => {
      this.waiting = null;
      this.running = this.drain();
      return this.running;
    });
    return this.waiting;
  }

  private async drain(): Promise<void> {
    const tmp = `${this.path}.tmp`;
    try {
      const text = encode(this.next as T);
      this.next = undefined;
      const f = await open(tmp, "w", 0o600);
      try {
        checkWrite("metadata");
        await f.writeFile(text);
        await f.sync();
      } finally {
        await f.close();
      }
      await rename(this.path, `${this.path}.prev`).catch(ignoreMissing);
      await rename(tmp, this.path);
      await syncDir(dirname(this.path));
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    } finally {
      this.running = null;
    }
  }

  /** The same, blocking. Throws on failure (ENOSPC...), leaving the files as they were; returns the document's size in octets. */
  saveSync(doc: T): number {
    const tmp = `${this.path}.tmp`;
    let size = 0;
    try {
      const fd = openSync(tmp, "w", 0o600);
      try {
        checkWrite("metadata");
        const text = Buffer.from(encode(doc));
        size = text.length;
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      try {
        renameSync(this.path, `${this.path}.prev`);
      } catch (e) {
        ignoreMissing(e);
      }
      renameSync(tmp, this.path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    const d = openSync(dirname(this.path), "r");
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
    return size;
  }
}

/** The document's JSON with `"crc32":N` (of the JSON without it) as its last key. */
export function encode(doc: unknown): string {
  const body = JSON.stringify(doc);
  if (!body.startsWith("{")) return body; // not an object: no room for a checksum
  const crc = crc32(body);
  return body === "{}" ? `{"crc32":${crc}}` : `${body.slice(0, -1)},"crc32":${crc}}`;
}

const CHECKSUM = /(,?)"crc32":(\d+)\}\s*$/;

/** Parses a document `encode` wrote, checking its checksum (a file without one is taken as it is). */
export function decode<T>(text: string): T {
  const m = CHECKSUM.exec(text);
  if (m === null) return JSON.parse(text) as T;
  const body = `${text.slice(0, m.index)}}`;
  if (crc32(body) !== Number(m[2])) throw new Error("checksum mismatch");
  return JSON.parse(body) as T;
}

function ignoreMissing(e: unknown): void {
  if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
}

/** fsync a directory, so that a rename in it is durable. */
export async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

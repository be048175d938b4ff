/**
 * Durable broker metadata (exchanges, queues, bindings; later users and permissions) as one JSON
 * document replaced atomically: write a temporary file, fsync it, rename it over the old one, fsync
 * the directory. After a crash the file is either the old document or the new one, never a mix.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

export class MetadataStore<T> {
  private readonly path: string;
  /** Saves run one after the other; a save asked for while one runs replaces any still waiting. */
  private running: Promise<void> | null = null;
  private next: T | undefined = undefined;
  private waiting: Promise<void> | null = null;

  constructor(dir: string, name = "metadata.json") {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, name);
    // A temporary file left by a crash mid-save is not the document.
    rmSync(`${this.path}.tmp`, { force: true });
  }

  /** The document saved last, or undefined when none was ever saved. */
  load(): T | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    return JSON.parse(text) as T;
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
    try {
      const doc = this.next as T;
      this.next = undefined;
      const tmp = `${this.path}.tmp`;
      const f = await open(tmp, "w", 0o600);
      try {
        await f.writeFile(JSON.stringify(doc));
        await f.sync();
      } finally {
        await f.close();
      }
      await rename(tmp, this.path);
      await syncDir(dirname(this.path));
    } catch (e) {
      await rm(`${this.path}.tmp`, { force: true });
      throw e;
    } finally {
      this.running = null;
    }
  }

  /** The same, blocking: for shutdown paths and tools where waiting is fine. */
  saveSync(doc: T): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(doc));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const d = openSync(dirname(this.path), "r");
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  }
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

/**
 * Durable metadata written incrementally: a snapshot (a MetadataStore document, with its `.prev`
 * and checksum) plus an append-only journal of the changes made since, replayed over it at start.
 *
 *   <name>.json        snapshot, `"journal":g` names the journal that continues it
 *   <name>.json.prev   the snapshot before (journal g-1 continues it, and journal g after that)
 *   <name>.<g>.log     one change per line: the record's JSON with `"crc32":N` as its last key
 *
 * append() writes a line at once (no fsync: a small write, so a full disk is known there and the
 * change refused); sync() makes every line so far durable with one fdatasync, and the caller calls
 * it before any reply that depends on them goes out (group commit: one fsync for all the changes of
 * an event-loop turn). snapshot() is the compaction: a new snapshot of the whole state, continued by
 * a new, empty journal; the journal before it stays as long as `.prev` needs it.
 *
 * Damage: a snapshot that fails its checksum falls back to `.prev` and both journals after it (so
 * nothing is lost unless a journal is damaged too). A last line cut short (a crash mid-append: it was
 * never synced, so never acknowledged) is dropped and cut off; a damaged line before others is
 * reported in `loaded.damaged` and skipped. The caller takes a snapshot after such a load.
 */
import { crc32 } from "node:zlib";
import { closeSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { decode, encode, MetadataStore, type MetadataLoad } from "./metadata-store.js";
import { checkWrite } from "./storage-faults.js";

const JOURNAL = /^(.*)\.(\d+)\.log$/;
const CRC_KEY = Buffer.from(',"crc32":');
const CLOSE = Buffer.from("}");

/**
 * decode() of the line `buf[o..end)`, reading the checksum from the octets: no copy of the line
 * before JSON.parse (a restart reads a line per change, 100,000 and more). Anything unusual
 * (no checksum, spaces) goes through decode().
 */
function decodeLine<R>(buf: Buffer, o: number, end: number): R {
  const at = buf.lastIndexOf(CRC_KEY, end - 1);
  let crc = 0;
  let i = at + CRC_KEY.length;
  if (at > o && end - i > 1 && end - i < 12 && buf[end - 1] === 0x7d) {
    for (; i < end - 1; i++) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) break;
      crc = crc * 10 + d;
    }
  }
  if (at <= o || i !== end - 1) return decode<R>(buf.toString("utf8", o, end));
  if (crc32(CLOSE, crc32(buf.subarray(o, at))) !== crc) throw new Error("checksum mismatch");
  return JSON.parse(`${buf.toString("utf8", o, at)}}`) as R;
}

export class MetadataLog<T extends object, R extends object> {
  private readonly snapshots: MetadataStore<T & { journal?: number }>;
  private generation = 0;
  private fd: number | null = null;
  private size = 0;
  private dirty = false;
  /** Octets of the journals load() read. */
  journalBytesAtLoad = 0;
  /** Octets of the last snapshot, for the caller's compaction rule. */
  snapshotBytes = 0;
  /** What load() found: the snapshot's file, damaged files (snapshots and journals). */
  loaded: MetadataLoad = { file: null, damaged: [], fallback: false };

  constructor(
    private readonly dir: string,
    private readonly name = "metadata",
  ) {
    this.snapshots = new MetadataStore(dir, `${name}.json`);
  }

  private journalPath(g: number): string {
    return join(this.dir, `${this.name}.${g}.log`);
  }

  /** The last snapshot and the changes after it, to replay over it; doc undefined when none was ever taken. */
  load(): { doc: T | undefined; records: R[] } {
    const raw = this.snapshots.load();
    const loaded = this.snapshots.loaded;
    const damaged = [...loaded.damaged];
    if (raw === undefined) {
      this.loaded = { ...loaded, damaged };
      return { doc: undefined, records: [] };
    }
    const { journal, ...doc } = raw;
    const g = typeof journal === "number" ? journal : 0;
    this.snapshotBytes = loaded.file === null ? 0 : statSync(loaded.file).size;
    const records: R[] = [];
    // after a fallback to .prev, the journal of the damaged snapshot continues this one's
    const journals = loaded.fallback ? [g, g + 1] : [g];
    for (const j of journals) this.read(j, records, damaged, j === journals[journals.length - 1]);
    this.generation = journals[journals.length - 1]!;
    this.loaded = { ...loaded, damaged };
    return { doc: doc as unknown as T, records };
  }

  private read(g: number, out: R[], damaged: { file: string; reason: string }[], last: boolean): void {
    const file = this.journalPath(g);
    let buf: Buffer;
    try {
      buf = readFileSync(file);
      this.journalBytesAtLoad += buf.length;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    let good = 0; // octets up to the end of the last good line
    let bad = 0; // bad lines before it
    let badSinceGood = 0;
    for (let o = 0; o < buf.length; ) {
      const nl = buf.indexOf(10, o);
      const end = nl < 0 ? buf.length : nl;
      let record: R | null = null;
      if (nl >= 0 && end > o) {
        try {
          record = decodeLine<R>(buf, o, end);
        } catch {
          record = null;
        }
      }
      if (record !== null && typeof record === "object") {
        out.push(record);
        good = end + 1;
        bad += badSinceGood;
        badSinceGood = 0;
      } else if (end > o || nl < 0) badSinceGood++;
      o = end + 1;
    }
    if (bad > 0) damaged.push({ file, reason: `${bad} damaged record(s) skipped` });
    // a torn tail (a crash mid-append: never synced, never acknowledged) is cut off
    if (good < buf.length && last) {
      const fd = openSync(file, "r+");
      try {
        ftruncateSync(fd, good);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }

  /** Writes a change to the journal (not yet synced). Throws (ENOSPC...) leaving the journal as it was. */
  append(record: R): void {
    const line = `${encode(record)}\n`;
    const fd = (this.fd ??= this.openJournal());
    try {
      checkWrite("metadata");
      const b = Buffer.from(line);
      let o = 0;
      while (o < b.length) o += writeSync(fd, b, o, b.length - o);
      this.size += b.length;
      this.dirty = true;
    } catch (e) {
      // a line written in part would be damage in the middle of the journal once another follows
      try {
        ftruncateSync(fd, this.size);
      } catch {
        // the next snapshot starts a new journal anyway
      }
      throw e;
    }
  }

  private openJournal(): number {
    const fd = openSync(this.journalPath(this.generation), "a", 0o600);
    this.size = fstatSync(fd).size;
    return fd;
  }

  /** Changes appended but not yet synced. */
  get unsynced(): boolean {
    return this.dirty;
  }

  /** Octets in the current journal. */
  get journalBytes(): number {
    return this.size;
  }

  /** Makes every change appended so far durable (one fdatasync). Throws on failure; they stay unsynced. */
  sync(): void {
    if (!this.dirty || this.fd === null) return;
    fdatasyncSync(this.fd);
    this.dirty = false;
  }

  /** Compaction: `doc` (the whole state) becomes the snapshot, continued by a new, empty journal. Throws, leaving the files as they were. */
  snapshot(doc: T): void {
    const next = this.generation + 1;
    checkWrite("metadata");
    const fd = openSync(this.journalPath(next), "a", 0o600);
    try {
      ftruncateSync(fd, 0);
      fsyncSync(fd);
      this.snapshotBytes = this.snapshots.saveSync({ ...doc, journal: next });
    } catch (e) {
      closeSync(fd);
      rmSync(this.journalPath(next), { force: true });
      throw e;
    }
    if (this.fd !== null) closeSync(this.fd);
    this.fd = fd;
    this.generation = next;
    this.size = 0;
    this.dirty = false;
    // journals neither the snapshot nor .prev needs any more
    for (const f of readdirSync(this.dir)) {
      const m = JOURNAL.exec(f);
      if (m !== null && m[1] === this.name && Number(m[2]) < next - 1) rmSync(join(this.dir, f), { force: true });
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

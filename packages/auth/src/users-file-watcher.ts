/**
 * Watches the users file and reports each new version: its directory through fs.watch (inotify:
 * an edit is seen within milliseconds), and the file itself by polling its stat as a fallback
 * (network filesystems, a directory that does not exist yet). Events are debounced, and a version
 * is reported only when the text differs from the last one seen.
 */
import { type FSWatcher, readFileSync, type StatsListener, unwatchFile, watch, watchFile } from "node:fs";
import { basename, dirname } from "node:path";
import { UsersFileError } from "./errors.js";
import { parseUsersFile, type UsersFile } from "./users-file.js";

export type UsersFileChange =
  | { readonly kind: "loaded"; readonly file: UsersFile }
  /** The file is gone. */
  | { readonly kind: "removed" }
  /** The new text cannot be used; keep the last good version. */
  | { readonly kind: "invalid"; readonly error: Error };

export interface UsersFileWatcherOptions {
  /** The text already loaded, if any: the same text is no change. */
  readonly text?: string | undefined;
  /** Stat polling interval, ms. Default 1000. */
  readonly pollMs?: number;
}

export class UsersFileWatcher {
  private last: string | undefined;
  private dirWatcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly onStat: StatsListener = () => this.schedule();

  constructor(
    readonly path: string,
    private readonly onChange: (change: UsersFileChange) => void,
    options: UsersFileWatcherOptions = {},
  ) {
    this.last = options.text;
    const name = basename(path);
    try {
      this.dirWatcher = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.schedule();
      });
      this.dirWatcher.on("error", () => this.dirWatcher?.close());
    } catch {
      // No directory yet: polling will see the file when it appears.
    }
    watchFile(path, { interval: options.pollMs ?? 1000, persistent: false }, this.onStat);
    // A change between the caller's read and the watches starting would otherwise go unseen (and
    // the stat poll takes its first result as the baseline, not as a change).
    this.schedule();
  }

  /** Reads the file now and reports a change, if any. */
  check(): void {
    if (this.closed) return;
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        if (this.last !== undefined) {
          this.last = undefined;
          this.onChange({ kind: "removed" });
        }
      } else {
        this.onChange({ kind: "invalid", error: new UsersFileError(`${this.path}: cannot read the file (${(err as Error).message})`) });
      }
      return;
    }
    if (text === this.last) return;
    this.last = text;
    let file: UsersFile;
    try {
      file = parseUsersFile(text, this.path);
    } catch (err) {
      this.onChange({ kind: "invalid", error: err as Error });
      return;
    }
    this.onChange({ kind: "loaded", file });
  }

  close(): void {
    this.closed = true;
    this.dirWatcher?.close();
    unwatchFile(this.path, this.onStat);
    clearTimeout(this.timer);
  }

  /** Several events come per edit (the temporary file, the rename): read once they settle. */
  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), 20);
    this.timer.unref();
  }
}

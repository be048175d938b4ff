/**
 * Storage failures in the log: one line when a kind of failure starts (the write-ahead log, a
 * queue's segments, ack files, the definitions, checkpoints), none for the writes that fail again
 * while it lasts (a full disk fails every one), and one line when it is over, with how many there
 * were. So a full disk under load logs two lines per kind, not one per message.
 */
import type { StorageLogger } from "./message-store-types.js";

export type FaultKind = "wal" | "segments" | "acks" | "definitions" | "checkpoint";

export class FaultLog {
  /** Failures since each kind's first one, while it lasts. */
  private readonly active = new Map<FaultKind, number>();

  constructor(private readonly logger: StorageLogger) {}

  /** Whether `kind` is failing now. */
  failing(kind: FaultKind): boolean {
    return this.active.has(kind);
  }

  /** A failure of `kind`: logged if it is the first since the kind last worked. */
  failed(kind: FaultKind, err: Error, what: string, fields: object = {}): void {
    const n = this.active.get(kind);
    if (n !== undefined) {
      this.active.set(kind, n + 1);
      return;
    }
    this.active.set(kind, 1);
    const code = (err as NodeJS.ErrnoException).code;
    this.logger.error({ err, kind, code, ...fields }, `storage failure (${kind}): ${what}; retrying`);
  }

  /** `kind` works again. */
  cleared(kind: FaultKind, fields: object = {}): void {
    const n = this.active.get(kind);
    if (n === undefined) return;
    this.active.delete(kind);
    this.logger.warn({ kind, failures: n, ...fields }, `storage recovered (${kind})`);
  }
}

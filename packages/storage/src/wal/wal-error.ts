/**
 * Errors the WAL throws itself (I/O errors from the file system are passed on as they are).
 * Kept beside the WAL until the package has one errors.ts for every tier.
 */
export type WalErrorCode =
  /** append() or flush() after close() was called. */
  | "WAL_CLOSED"
  /** A write or sync failed earlier: the WAL accepts nothing more (see `cause`). */
  | "WAL_FAILED"
  /** A payload longer than the configured maxRecordSize. */
  | "WAL_RECORD_TOO_LARGE"
  /** The sequence would pass 2^53 - 1. */
  | "WAL_SEQUENCE_EXHAUSTED"
  /** An option out of its range. */
  | "WAL_BAD_OPTION";

export class WalError extends Error {
  override readonly name = "WalError";

  constructor(
    readonly code: WalErrorCode,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

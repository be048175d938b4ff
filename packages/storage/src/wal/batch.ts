/**
 * A group-commit batch: records encoded back to back into one buffer, written with one write and
 * made durable with one fdatasync.
 *
 * Records are copied in at append() (header + payload), or encoded in place by the caller between
 * reserve() and commit(): the batch then is one contiguous write whatever the number of records (no
 * iovec per record, no IOV_MAX split), and the caller may reuse its payload buffer as soon as
 * append() returns.
 */
import { RECORD_HEADER_SIZE, sealRecord } from "./record.js";

export class Batch {
  buf: Buffer;
  /** Octets used in buf. */
  used = 0;
  /** Records in the batch. */
  count = 0;
  firstSeq = 0;
  lastSeq = 0;
  /** The batch starts a new file, named after firstSeq. */
  roll = false;

  constructor(readonly capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /**
   * Room for one record of `length` payload octets at the end of the batch: where its payload goes
   * (valid until the next reserve). It counts once `commit` seals it.
   */
  reserve(length: number): Buffer {
    const start = this.used + RECORD_HEADER_SIZE;
    if (start + length > this.buf.length) this.grow(start + length);
    return this.buf.subarray(start, start + length);
  }

  /** The record reserved last, its payload in place, becomes record `seq` of the batch. */
  commit(seq: number, length: number): void {
    if (this.count === 0) this.firstSeq = seq;
    this.lastSeq = seq;
    this.count++;
    this.used = sealRecord(this.buf, this.used, seq, length);
  }

  /** Empties the batch for reuse; a buffer grown for a large record goes back to the usual size. */
  reset(): void {
    if (this.buf.length !== this.capacity) this.buf = Buffer.allocUnsafe(this.capacity);
    this.used = 0;
    this.count = 0;
    this.firstSeq = 0;
    this.lastSeq = 0;
    this.roll = false;
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.used);
    this.buf = next;
  }
}

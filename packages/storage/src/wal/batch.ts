/**
 * A group-commit batch: records encoded back to back into one buffer, written with one write and
 * made durable with one fdatasync.
 *
 * Records are copied in at append() (header + payload): the batch then is one contiguous write
 * whatever the number of records (no iovec per record, no IOV_MAX split), and the caller may reuse
 * its payload buffer as soon as append() returns.
 */
import { RECORD_HEADER_SIZE, writeRecord } from "./record.js";

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

  /** Encodes one record at the end of the batch. */
  add(seq: number, payload: Uint8Array): void {
    const size = RECORD_HEADER_SIZE + payload.length;
    if (this.used + size > this.buf.length) this.grow(this.used + size);
    if (this.count === 0) this.firstSeq = seq;
    this.lastSeq = seq;
    this.count++;
    this.used = writeRecord(this.buf, this.used, seq, payload);
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

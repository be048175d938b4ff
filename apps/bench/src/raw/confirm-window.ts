/**
 * Publisher confirms of one channel: which delivery tags (1, 2, 3... in publish order) await their
 * basic.ack or basic.nack. A power-of-two ring of flags indexed by tag & mask, from the lowest
 * unconfirmed tag to the last published one; `multiple` settles every pending tag up to the one
 * given, a single ack or nack its own tag (confirms may come out of order across queues).
 * Amortised O(1) per message, no allocation.
 */
export class ConfirmWindow {
  private readonly pending: Uint8Array;
  private readonly mask: number;
  /** Tag of the last message published (0: none yet). */
  private last = 0;
  /** Lowest tag not confirmed yet (last + 1 when none is pending). */
  private lowest = 1;
  /** Messages awaiting a confirm. */
  outstanding = 0;

  constructor(private readonly window: number) {
    let size = 2;
    while (size < window * 2) size *= 2;
    this.pending = new Uint8Array(size);
    this.mask = size - 1;
  }

  /** Messages that may be published now without exceeding the window (or aliasing in the ring). */
  get room(): number {
    const bySpan = this.pending.length - (this.last + 1 - this.lowest);
    return Math.min(this.window - this.outstanding, bySpan);
  }

  /** Records the next publish; returns its delivery tag. */
  published(): number {
    const tag = ++this.last;
    this.pending[tag & this.mask] = 1;
    this.outstanding++;
    return tag;
  }

  /** Settles `tag` (and all before it if `multiple`); returns how many messages it settled. */
  settle(tag: number, multiple: boolean): number {
    if (tag > this.last) return 0;
    let settled = 0;
    if (multiple) {
      for (let t = this.lowest; t <= tag; t++) {
        if (this.pending[t & this.mask] === 1) {
          this.pending[t & this.mask] = 0;
          settled++;
        }
      }
      if (tag >= this.lowest) this.lowest = tag + 1;
    } else if (tag >= this.lowest && this.pending[tag & this.mask] === 1) {
      this.pending[tag & this.mask] = 0;
      settled = 1;
    }
    while (this.lowest <= this.last && this.pending[this.lowest & this.mask] === 0) this.lowest++;
    this.outstanding -= settled;
    return settled;
  }
}

/**
 * The hot tail of a queue in memory, bounded by a byte budget: while a consumer keeps up, messages
 * pass through here and are never read back from disk. When the budget is spent, `push` refuses
 * and the caller pages the message out to a segment; consumers then read the segment first.
 *
 * A power-of-two ring with a mask: O(1) push and shift, no allocation until it grows.
 */
export interface Sized {
  /** Octets the item holds, as counted against the budget. */
  readonly size: number;
}

export class RingBuffer<T extends Sized> {
  private items: (T | undefined)[];
  private mask: number;
  private head = 0;
  private count = 0;
  /** Octets held. */
  bytes = 0;

  constructor(
    /** The byte budget; 0 holds nothing. */
    readonly budget: number,
    capacity = 64,
  ) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.items = new Array<T | undefined>(size);
    this.mask = size - 1;
  }

  get length(): number {
    return this.count;
  }

  /** Would `size` more octets fit the budget? */
  fits(size: number): boolean {
    return this.bytes + size <= this.budget;
  }

  /** Takes `item` if it fits the budget; false (and nothing changed) if not. */
  push(item: T): boolean {
    if (!this.fits(item.size)) return false;
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & this.mask] = item;
    this.count++;
    this.bytes += item.size;
    return true;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    this.bytes -= item.size;
    return item;
  }

  private grow(): void {
    const size = this.items.length * 2;
    const items = new Array<T | undefined>(size);
    for (let i = 0; i < this.count; i++) items[i] = this.items[(this.head + i) & this.mask];
    this.items = items;
    this.mask = size - 1;
    this.head = 0;
  }
}

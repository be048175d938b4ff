/**
 * The ring every queue keeps its messages in memory on: a power-of-two ring with a mask, O(1) push
 * and shift, that counts the octets it holds. Nothing is allocated until the first push, and the
 * ring doubles only when full, so an idle queue costs no array and a busy one grows to what its
 * budget lets it hold; `clear` gives the memory back.
 *
 * Octets are counted by `sizeOf` (none by default: a ring of numbers). The budget is the owner's to
 * enforce: a durable queue pages its oldest messages out to disk while `overBudget` (so the newest
 * stay in memory); a queue with no budget (Infinity) holds all it gets.
 */
export interface Sized {
  /** Octets the item holds, as counted against the budget. */
  readonly size: number;
}

/** `sizeOf` for items that carry their size. */
export const sizeOfSized = (item: Sized): number => item.size;
const noSize = (): number => 0;

const EMPTY: never[] = [];
const FIRST_SIZE = 16;

export class RingBuffer<T> {
  private items: (T | undefined)[] = EMPTY;
  private mask = -1;
  private head = 0;
  private count = 0;
  /** Octets held. */
  bytes = 0;

  constructor(
    /** Octets the owner lets it hold; Infinity for no limit. */
    readonly budget = Number.POSITIVE_INFINITY,
    private readonly sizeOf: (item: T) => number = noSize,
  ) {}

  get length(): number {
    return this.count;
  }

  /** It holds more octets than its budget. */
  get overBudget(): boolean {
    return this.bytes > this.budget;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & this.mask] = item;
    this.count++;
    this.bytes += this.sizeOf(item);
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** The newest item. */
  last(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.head + this.count - 1) & this.mask];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    this.bytes -= this.sizeOf(item);
    return item;
  }

  /** Drops everything and the array with it; returns how many items there were. */
  clear(): number {
    const n = this.count;
    this.items = EMPTY;
    this.mask = -1;
    this.head = 0;
    this.count = 0;
    this.bytes = 0;
    return n;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) & this.mask]!;
  }

  private grow(): void {
    const size = this.items.length === 0 ? FIRST_SIZE : this.items.length * 2;
    const items = new Array<T | undefined>(size);
    for (let i = 0; i < this.count; i++) items[i] = this.items[(this.head + i) & this.mask];
    this.items = items;
    this.mask = size - 1;
    this.head = 0;
  }
}

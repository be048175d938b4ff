/**
 * A double-ended queue on a power-of-two ring: O(1) push, shift and unshift with no allocation
 * until it grows; the ready messages of a queue live in one.
 */
export class Deque<T> {
  private items: (T | undefined)[];
  private mask: number;
  private head = 0;
  private count = 0;

  constructor(capacity = 16) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.items = new Array<T | undefined>(size);
    this.mask = size - 1;
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  unshift(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  at(i: number): T | undefined {
    return i < 0 || i >= this.count ? undefined : this.items[(this.head + i) & this.mask];
  }

  /** Inserts `item` at position `index` (0 is the head). */
  insertAt(index: number, item: T): void {
    if (index <= 0) return this.unshift(item);
    if (index >= this.count) return this.push(item);
    if (this.count === this.items.length) this.grow();
    // Shift the tail right by one, from the end down to `index`.
    for (let i = this.count; i > index; i--) {
      this.items[(this.head + i) & this.mask] = this.items[(this.head + i - 1) & this.mask];
    }
    this.items[(this.head + index) & this.mask] = item;
    this.count++;
  }

  /** Removes everything; returns how many there were. */
  clear(): number {
    const n = this.count;
    this.items = new Array<T | undefined>(16);
    this.mask = 15;
    this.head = 0;
    this.count = 0;
    return n;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) & this.mask] as T;
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

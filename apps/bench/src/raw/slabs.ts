/**
 * Slabs of pre-encoded frames, written to one connection slice by slice and reused once the
 * socket is done with them. A slab's content is a pattern (publishes of a cycle, or ack frames)
 * that only gets patched in place, so a reused slab needs no refill: after the first few, a
 * producer or consumer runs on the same few slabs for the whole run, with no allocation and no
 * copy (fresh 1 MiB slabs cost page faults and a copy: 2 ms a MiB, a third of the producer's CPU).
 *
 * A slab is free again once the socket has handed its last slice to the kernel: writes complete
 * in order, so one callback counting completions (bound once) tells which retired slab is free.
 */
import type { RawConnection } from "./connection.js";

interface Retired {
  readonly slab: Buffer;
  /** The number of completed writes after which the socket no longer holds the slab. */
  readonly freeAfter: number;
}

export class SlabPool {
  /** The slab being filled. */
  current: Buffer;
  private readonly retired: Retired[] = [];
  private issued = 0;
  private completed = 0;
  private readonly onWritten = (): void => {
    this.completed++;
  };

  constructor(
    private readonly conn: RawConnection,
    private readonly make: () => Buffer,
  ) {
    this.current = make();
  }

  /** Writes a slice of the current slab; false when the socket's buffer is full. */
  write(slice: Buffer): boolean {
    this.issued++;
    return this.conn.write(slice, this.onWritten);
  }

  /** Retires the current slab and returns the next one: the oldest retired if free, else a new one. */
  next(): Buffer {
    this.retired.push({ slab: this.current, freeAfter: this.issued });
    const oldest = this.retired[0]!;
    if (oldest.freeAfter <= this.completed) {
      this.retired.shift();
      this.current = oldest.slab;
    } else {
      this.current = this.make();
    }
    return this.current;
  }
}

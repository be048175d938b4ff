/**
 * The segments of one queue in id order (which is message order: ids grow with the sequence, and
 * compaction rewrites a segment under its own id). A sorted array for order, a Map for lookup;
 * a queue has few segments, so the array's O(n) removal does not matter.
 */
import type { Segment } from "./segment.js";

export class SegmentSet {
  private readonly byId = new Map<number, Segment>();
  private readonly ids: number[] = [];

  get size(): number {
    return this.ids.length;
  }

  get(id: number): Segment | undefined {
    return this.byId.get(id);
  }

  /** Adds a segment with an id above every other's, or replaces the one with its id. */
  put(seg: Segment): void {
    if (!this.byId.has(seg.id)) {
      const last = this.ids[this.ids.length - 1];
      if (last !== undefined && last > seg.id) throw new Error(`segment ${seg.id} added after ${last}`);
      this.ids.push(seg.id);
    }
    this.byId.set(seg.id, seg);
  }

  delete(id: number): void {
    if (!this.byId.delete(id)) return;
    this.ids.splice(this.ids.indexOf(id), 1);
  }

  /** The segment with the lowest id >= `id`. */
  atOrAfter(id: number): Segment | undefined {
    const exact = this.byId.get(id);
    if (exact !== undefined) return exact;
    for (const i of this.ids) if (i > id) return this.byId.get(i);
    return undefined;
  }

  /** Segments in id order (a copy: safe to delete while iterating). */
  list(): Segment[] {
    return this.ids.map((id) => this.byId.get(id) as Segment);
  }
}

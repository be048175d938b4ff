/**
 * A listing's JSON, kept item by item: GET /api/queues with 1,000 queues is 1.7 MB of JSON, and
 * serialising and encoding it each time a poller asks (every second, for Telegraf, KEDA or the web
 * UI) cost the broker's event loop ~30 ms a request. Most items of a listing are the same as last
 * time (idle queues), so each item's view is still built (cheap: 0.3 ms for 1,000), compared with
 * the view its bytes were made from, and only an item whose view changed is serialised again. The
 * comparison is of the views themselves, not of a hand-kept list of inputs, so nothing a view shows
 * can go stale.
 *
 * The items are taken a slice at a time, one slice per turn of the event loop (setImmediate): a
 * listing done in one run held the broker's thread for 30-50 ms, and at saturation the messages
 * that piled up meanwhile (7,000 at 240k msg/s) survived the next scavenge, were promoted, and made
 * every scavenge after 5-10x slower until a full GC: that, not the listing's own CPU, was most of
 * the 12% of consumed msg/s polling cost (bench/gc-trace.mjs; bench/poll-stall.mjs for the hold). A slice of 64 takes well under 1 ms.
 */

type Json = unknown;

interface Rendered {
  view: Json;
  bytes: Buffer;
}

const OPEN = Buffer.from("[");
const COMMA = Buffer.from(",");
const CLOSE = Buffer.from("]");

/**
 * Deep equality of two JSON values (plain objects, arrays, strings, numbers, booleans, null).
 * `for...in` walks the keys without allocating: views are built by one literal each, so V8 keeps
 * their key lists cached.
 */
export function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, Json>;
  const y = b as Record<string, Json>;
  let keys = 0;
  for (const k in x) {
    keys++;
    if (!sameJson(x[k], y[k]) || (y[k] === undefined && !(k in y))) return false;
  }
  for (const _ in y) keys--;
  return keys === 0;
}

/** Items serialised per turn of the event loop. */
const SLICE = 64;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class JsonList<T extends object> {
  /** Keyed by the item's owner (a Queue), so a deleted queue's bytes go with it. */
  private readonly rendered = new WeakMap<T, Rendered>();

  constructor(private readonly viewOf: (owner: T) => Json) {}

  /**
   * `JSON.stringify(owners.map(viewOf))`, as bytes, serialising only the views that changed, `SLICE`
   * owners a turn (each view is built in the turn it is written, so none is older than the others
   * by more than the few turns the listing takes).
   */
  async bytes(owners: readonly T[]): Promise<Buffer> {
    const parts: Buffer[] = [OPEN];
    let size = OPEN.length + CLOSE.length;
    for (let i = 0; i < owners.length; i++) {
      if (i > 0 && i % SLICE === 0) await nextTurn();
      const owner = owners[i]!;
      const view = this.viewOf(owner);
      let r = this.rendered.get(owner);
      if (r === undefined || !sameJson(view, r.view)) {
        r = { view, bytes: Buffer.from(JSON.stringify(view)) };
        this.rendered.set(owner, r);
      }
      if (parts.length > 1) {
        parts.push(COMMA);
        size += 1;
      }
      parts.push(r.bytes);
      size += r.bytes.length;
    }
    parts.push(CLOSE);
    return Buffer.concat(parts, size);
  }
}

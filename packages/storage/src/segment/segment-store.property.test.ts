/**
 * Random sequences of append / ack / compact / reclaim / reopen / crash against a model that is
 * just the list of unacknowledged messages. Positions used for acks and reads are the ones
 * append() returned, so every compaction also checks that stale positions still resolve.
 */
import fc from "fast-check";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SegmentStore, type SegmentStoreOptions } from "./segment-store.js";
import type { SegmentPosition } from "./segment-position.js";

type Command =
  | { readonly t: "append"; readonly sizes: number[] }
  | { readonly t: "ack"; readonly picks: number[] }
  | { readonly t: "flushAcks" }
  | { readonly t: "reclaim" }
  | { readonly t: "compact"; readonly pick: number; readonly acks: Array<[number, number]> }
  | { readonly t: "read"; readonly pick: number }
  | { readonly t: "reopen" }
  | { readonly t: "crash" };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant("append" as const), sizes: fc.array(fc.nat(120), { minLength: 1, maxLength: 12 }) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("ack" as const), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 10 }) }) },
  { weight: 1, arbitrary: fc.constant({ t: "flushAcks" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "reclaim" as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("compact" as const), pick: fc.nat(), acks: fc.array(fc.tuple(fc.nat(), fc.nat(8)), { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("read" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ t: "reopen" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "crash" as const }) },
);

interface Msg {
  readonly seq: number;
  readonly pos: SegmentPosition;
  readonly body: string;
}

const OPTIONS: SegmentStoreOptions = { segmentSize: 300, sync: false, ackFlushIntervalMs: 0, autoReclaim: false };
const body = (seq: number, size: number): string => `${seq}:`.padEnd(size, String.fromCharCode(97 + (seq % 26)));

async function contents(store: SegmentStore): Promise<Array<{ seq: number; body: string }>> {
  const out: Array<{ seq: number; body: string }> = [];
  for await (const m of store.iterate()) out.push({ seq: m.position.seq, body: m.payload.toString() });
  return out;
}

async function run(cmds: Command[]): Promise<void> {
  let dir = await mkdtemp(join(tmpdir(), "segment-property-"));
  const dirs = [dir];
  let store = await SegmentStore.open(dir, OPTIONS);
  let live: Msg[] = [];
  /** Acked since the last ack flush: these may come back after a crash. */
  let unflushed = new Map<number, Msg>();
  const expectExactly = async (): Promise<void> => {
    expect(await contents(store)).toEqual(live.map((m) => ({ seq: m.seq, body: m.body })));
  };
  try {
    for (const c of cmds) {
      switch (c.t) {
        case "append":
          for (const size of c.sizes) {
            const seq = store.nextSeq;
            const b = body(seq, size);
            live.push({ seq, pos: store.append(Buffer.from(b)), body: b });
          }
          break;
        case "ack":
          for (const pick of c.picks) {
            if (live.length === 0) break;
            const [m] = live.splice(pick % live.length, 1) as [Msg];
            expect(store.ack(m.pos)).toBe(true);
            unflushed.set(m.seq, m);
          }
          break;
        case "flushAcks":
        case "reclaim":
          await store.flushAcks();
          unflushed = new Map();
          if (c.t === "reclaim") await store.reclaim();
          break;
        case "compact": {
          const segs = store.segments();
          const seg = segs[c.pick % segs.length];
          if (seg === undefined) break;
          const inSeg = live.filter((m) => m.pos.segmentId === seg.segmentId).map((m) => m.seq);
          const running = store.compact(seg.segmentId);
          // acks of that segment's messages while the compaction is in flight, some turns apart
          for (const [pick, turns] of c.acks) {
            for (let i = 0; i <= turns; i++) await new Promise((r) => setImmediate(r));
            const candidates = live.filter((m) => m.pos.segmentId === seg.segmentId);
            const m = candidates[pick % Math.max(1, candidates.length)];
            if (m === undefined) break;
            live.splice(live.indexOf(m), 1);
            expect(store.ack(m.pos)).toBe(true);
            unflushed.set(m.seq, m);
          }
          const r = await running;
          if (r !== null) expect(r.moved.map((x) => x.to.seq)).toEqual(inSeg);
          break;
        }
        case "read": {
          const m = live[c.pick % Math.max(1, live.length)];
          if (m !== undefined) expect((await store.read(m.pos))?.toString()).toBe(m.body);
          break;
        }
        case "reopen":
          await store.close();
          unflushed = new Map();
          store = await SegmentStore.open(dir, OPTIONS);
          await expectExactly();
          break;
        case "crash": {
          // kill -9 with every append written: the disk as it is now, without the final ack flush
          await store.flush();
          const copy = `${dir}-c`;
          await cp(dir, copy, { recursive: true });
          dirs.push(copy);
          await store.close();
          dir = copy;
          store = await SegmentStore.open(dir, OPTIONS);
          const got = await contents(store);
          const liveSeqs = new Set(live.map((m) => m.seq));
          for (const m of live) expect(got.some((g) => g.seq === m.seq)).toBe(true);
          for (const g of got) expect(liveSeqs.has(g.seq) || unflushed.has(g.seq)).toBe(true);
          // acks that did not survive are redelivered: they are live again
          live = got.map((g) => live.find((m) => m.seq === g.seq) ?? (unflushed.get(g.seq) as Msg));
          unflushed = new Map();
          await expectExactly();
          break;
        }
      }
    }
    await expectExactly();
    await store.close();
    store = await SegmentStore.open(dir, OPTIONS);
    await expectExactly();
  } finally {
    await store.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
}

describe("SegmentStore against a model", () => {
  it("random append/ack/compact/reclaim/reopen/crash sequences", { timeout: 60_000 }, async () => {
    await fc.assert(fc.asyncProperty(fc.array(command, { maxLength: 40 }), run), { numRuns: Number(process.env.PROPERTY_RUNS ?? 60) });
  });
});

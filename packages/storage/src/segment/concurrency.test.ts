import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { SegmentStore } from "./segment-store.js";
import type { SegmentPosition } from "./segment-position.js";

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "segment-concurrency-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) as number;
  };
}

const payload = (seq: number): Buffer => Buffer.from(`m${seq}-${"x".repeat(seq % 50)}`);

async function recovered(dir: string): Promise<Array<{ seq: number; body: string }>> {
  const store = await SegmentStore.open(dir, { ackFlushIntervalMs: 0, segmentSize: 4096 });
  const out: Array<{ seq: number; body: string }> = [];
  for await (const m of store.iterate()) out.push({ seq: m.position.seq, body: m.payload.toString() });
  await store.close();
  return out;
}

/** Random rounds of appends and acks, yielding to the event loop so writes and flushes overlap. */
async function churn(store: SegmentStore, live: Map<number, SegmentPosition>, rnd: (n: number) => number, rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (let i = 1 + rnd(20); i > 0; i--) {
      const seq = store.nextSeq;
      const p = store.append(payload(seq));
      live.set(p.seq, p);
    }
    const keys = [...live.keys()];
    for (let i = rnd(15); i > 0 && keys.length > 0; i--) {
      const seq = keys.splice(rnd(keys.length), 1)[0] as number;
      expect(store.ack(live.get(seq) as SegmentPosition)).toBe(true);
      live.delete(seq);
    }
    const r = rnd(10);
    if (r === 0) await store.flush();
    else if (r < 4) await new Promise((res) => setImmediate(res));
    else if (r < 6) await new Promise((res) => setTimeout(res, 1));
  }
}

describe("concurrent publish and ack", () => {
  it.each([1, 2, 3])("returns exactly the unacknowledged messages after a clean reopen (seed %i)", async (seed) => {
    const dir = await tempDir();
    const store = await SegmentStore.open(dir, { segmentSize: 4096, ackFlushIntervalMs: 2, compactRatio: Number(process.env.RATIO ?? 0.8) });
    const live = new Map<number, SegmentPosition>();
    let done = false;
    // a consumer reading along (through compactions and deletions) and acking every third message
    const consumer = (async () => {
      let cursor: SegmentPosition | undefined;
      let last = -1;
      let n = 0;
      while (!done) {
        const b = await store.readBatch(cursor, 2048);
        for (const m of b.messages) {
          expect(m.position.seq).toBeGreaterThan(last);
          last = m.position.seq;
          expect(m.payload.toString()).toBe(payload(m.position.seq).toString());
          if (n++ % 3 === 0 && live.delete(m.position.seq)) expect(store.ack(m.position)).toBe(true);
        }
        cursor = b.next;
        await new Promise((r) => setImmediate(r));
      }
      return n;
    })();
    await churn(store, live, prng(seed), 300);
    done = true;
    expect(await consumer).toBeGreaterThan(0);
    await store.close();
    const got = await recovered(dir);
    expect(got.map((m) => m.seq)).toEqual([...live.keys()].sort((a, b) => a - b));
    for (const m of got) expect(m.body).toBe(payload(m.seq).toString());
  });

  it.each([4, 5, 6])("after a crash: confirmed unacked messages all come back, flushed acks never (seed %i)", async (seed) => {
    const dir = await tempDir();
    // no background deletion or compaction: a file copy is not atomic across their renames
    const store = await SegmentStore.open(dir, { segmentSize: 4096, ackFlushIntervalMs: 0, autoReclaim: false });
    onTestFinished(() => store.close());
    const rnd = prng(seed);
    const live = new Map<number, SegmentPosition>();
    const appended = new Set<number>();
    await churn(store, live, rnd, 150);
    await store.flushAcks();
    const ackedFlushed = new Set<number>();
    for (let s = 0; s < store.nextSeq; s++) if (!live.has(s)) ackedFlushed.add(s);
    const durable = store.durableSeq;
    await churn(store, live, rnd, 20); // acks not flushed, appends maybe not written
    for (let s = 0; s < store.nextSeq; s++) appended.add(s);
    const crashed = `${dir}-crash`;
    onTestFinished(() => rm(crashed, { recursive: true, force: true }));
    await cp(dir, crashed, { recursive: true }); // writes may be in flight: kill -9 now
    const got = await recovered(crashed);
    const seqs = got.map((m) => m.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b)); // in order, once each
    for (const m of got) {
      expect(appended.has(m.seq)).toBe(true);
      expect(ackedFlushed.has(m.seq)).toBe(false);
      expect(m.body).toBe(payload(m.seq).toString());
    }
    const back = new Set(seqs);
    for (const seq of live.keys()) if (seq <= durable) expect(back.has(seq)).toBe(true);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Message } from "../message.js";
import type { QueueEntry } from "./queue-entry.js";
import { Requeued } from "./requeued.js";

const body = Buffer.alloc(10);
const entry = (seq: number): QueueEntry => {
  const message = new Message("", "q", Buffer.alloc(0), body);
  return { message, size: message.size, seq, redelivered: true, position: null, expires: 0, deliveries: 0 };
};

describe("Requeued", () => {
  it("gives back the least seq first, whatever order they came in", () => {
    const r = new Requeued();
    for (const seq of [5, 1, 9, 3, 7, 2]) r.push(entry(seq));
    expect(r.bytes).toBe(6 * entry(0).size);
    const out = [];
    for (let e = r.shift(); e !== undefined; e = r.shift()) out.push(e.seq);
    expect(out).toEqual([1, 2, 3, 5, 7, 9]);
    expect(r.bytes).toBe(0);
  });

  it("matches a sorted list under any sequence of pushes, shifts and clears", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.nat(1000), fc.constant(-1), fc.constant(-2)), { maxLength: 300 }), (ops) => {
        const r = new Requeued();
        let model: number[] = [];
        for (const op of ops) {
          if (op === -1) expect(r.shift()?.seq).toBe(model.shift());
          else if (op === -2) {
            expect(r.clear().map((e) => e.seq).sort((a, b) => a - b)).toEqual(model);
            model = [];
          } else {
            r.push(entry(op));
            model.push(op);
            model.sort((a, b) => a - b);
          }
          expect(r.length).toBe(model.length);
          expect(r.peek()?.seq).toBe(model[0]);
        }
      }),
    );
  });
});

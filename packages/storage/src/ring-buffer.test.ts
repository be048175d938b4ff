import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RingBuffer } from "./ring-buffer.js";

const item = (size: number, id = 0) => ({ size, id });

describe("RingBuffer", () => {
  it("keeps order and refuses what exceeds the budget", () => {
    const r = new RingBuffer<{ size: number; id: number }>(1000, 2);
    for (let i = 0; i < 9; i++) expect(r.push(item(100, i))).toBe(true);
    expect(r.push(item(101, 99))).toBe(false);
    expect(r.push(item(100, 9))).toBe(true);
    expect(r.bytes).toBe(1000);
    expect(r.push(item(1))).toBe(false);
    const out = [];
    for (let x = r.shift(); x !== undefined; x = r.shift()) out.push(x.id);
    expect(out).toEqual([...Array(10).keys()]);
    expect(r.bytes).toBe(0);
  });

  it("matches a plain array under any sequence of pushes and shifts", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(-1)), { maxLength: 400 }), (ops) => {
        const r = new RingBuffer<{ size: number; id: number }>(2000, 16);
        const model: { size: number; id: number }[] = [];
        let bytes = 0;
        ops.forEach((op, id) => {
          if (op < 0) {
            const m = model.shift();
            expect(r.shift()).toEqual(m);
            if (m) bytes -= m.size;
          } else if (bytes + op <= 2000) {
            expect(r.push(item(op, id))).toBe(true);
            model.push(item(op, id));
            bytes += op;
          } else expect(r.push(item(op, id))).toBe(false);
          expect(r.length).toBe(model.length);
          expect(r.bytes).toBe(bytes);
          expect(r.peek()).toEqual(model[0]);
        });
      }),
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RingBuffer, sizeOfSized } from "./ring-buffer.js";

const item = (size: number, id = 0) => ({ size, id });

describe("RingBuffer", () => {
  it("keeps order, counts octets and says when it is over its budget", () => {
    const r = new RingBuffer<{ size: number; id: number }>(1000, sizeOfSized);
    expect(r.peek()).toBeUndefined();
    expect(r.last()).toBeUndefined();
    for (let i = 0; i < 10; i++) r.push(item(100, i));
    expect(r.bytes).toBe(1000);
    expect(r.overBudget).toBe(false);
    r.push(item(1, 10));
    expect(r.overBudget).toBe(true);
    expect(r.last()).toEqual(item(1, 10));
    expect([...r].map((x) => x.id)).toEqual([...Array(11).keys()]);
    const out = [];
    for (let x = r.shift(); x !== undefined; x = r.shift()) out.push(x.id);
    expect(out).toEqual([...Array(11).keys()]);
    expect(r.bytes).toBe(0);
  });

  it("has no limit by default and gives its memory back on clear", () => {
    const r = new RingBuffer<{ size: number; id: number }>(Infinity, sizeOfSized);
    for (let i = 0; i < 1000; i++) r.push(item(1 << 20, i));
    expect(r.overBudget).toBe(false);
    expect(r.clear()).toBe(1000);
    expect(r.length).toBe(0);
    expect(r.bytes).toBe(0);
    r.push(item(5, 7));
    expect(r.shift()).toEqual(item(5, 7));
  });

  it("holds items without a size, counting no octets", () => {
    const r = new RingBuffer<number>();
    for (let i = 0; i < 40; i++) r.push(i);
    expect(r.bytes).toBe(0);
    expect(r.shift()).toBe(0);
    expect(r.last()).toBe(39);
  });

  it("matches a plain array under any sequence of pushes, shifts and clears", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(-1), fc.constant(-2)), { maxLength: 400 }), (ops) => {
        const r = new RingBuffer<{ size: number; id: number }>(2000, sizeOfSized);
        let model: { size: number; id: number }[] = [];
        ops.forEach((op, id) => {
          if (op === -1) expect(r.shift()).toEqual(model.shift());
          else if (op === -2) {
            expect(r.clear()).toBe(model.length);
            model = [];
          } else {
            r.push(item(op, id));
            model.push(item(op, id));
          }
          const bytes = model.reduce((s, m) => s + m.size, 0);
          expect(r.length).toBe(model.length);
          expect(r.bytes).toBe(bytes);
          expect(r.overBudget).toBe(bytes > 2000);
          expect(r.peek()).toEqual(model[0]);
          expect(r.last()).toEqual(model[model.length - 1]);
        });
        expect([...r]).toEqual(model);
      }),
    );
  });
});

import { describe, expect, it } from "vitest";
import { ConfirmWindow } from "./confirm-window.js";

describe("ConfirmWindow", () => {
  it("tags publishes 1, 2, 3... and keeps at most the window outstanding", () => {
    const w = new ConfirmWindow(3);
    expect(w.room).toBe(3);
    expect([w.published(), w.published(), w.published()]).toEqual([1, 2, 3]);
    expect(w.room).toBe(0);
    expect(w.settle(2, false)).toBe(1);
    expect(w.outstanding).toBe(2);
    expect(w.room).toBe(1);
  });

  it("settles every pending tag up to a multiple ack, once", () => {
    const w = new ConfirmWindow(10);
    for (let i = 0; i < 6; i++) w.published();
    expect(w.settle(2, false)).toBe(1);
    expect(w.settle(4, true)).toBe(3); // 1, 3, 4
    expect(w.settle(4, true)).toBe(0);
    expect(w.settle(3, false)).toBe(0);
    expect(w.settle(6, true)).toBe(2);
    expect(w.outstanding).toBe(0);
    expect(w.settle(99, true)).toBe(0); // a tag never published
  });

  it("holds back publishes while a hole at the bottom would make the ring alias", () => {
    const w = new ConfirmWindow(2); // ring of 4
    w.published();
    w.published();
    expect(w.settle(2, false)).toBe(1); // tag 1 still pending
    w.published(); // 3
    w.published(); // 4: tags 1..4 span the ring
    expect(w.settle(4, false)).toBe(1);
    expect(w.settle(3, false)).toBe(1);
    expect(w.outstanding).toBe(1);
    expect(w.room).toBe(0); // 1 is pending and 5 would share its slot
    expect(w.settle(1, false)).toBe(1);
    expect(w.room).toBe(2);
  });

  it("counts a long run exactly, with acks in any grouping", () => {
    const w = new ConfirmWindow(1000);
    let settled = 0;
    let next = 0;
    for (let round = 0; round < 200; round++) {
      while (w.room > 0) next = w.published();
      settled += w.settle(next - 500, true) + w.settle(next, false);
    }
    settled += w.settle(next, true);
    expect(settled).toBe(next);
    expect(w.outstanding).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { AckDeadline } from "./consumer-timeout.js";

describe("AckDeadline", () => {
  it("expires a delivery only once a sample taken after it is a full timeout old", () => {
    const d = new AckDeadline();
    // ticks every 25 ms, timeout 100 ms; delivery tag 1 went out before the first tick
    expect(d.expired(0, 100, 2, 1)).toBe(false);
    expect(d.expired(25, 100, 2, 1)).toBe(false);
    expect(d.expired(75, 100, 2, 1)).toBe(false);
    expect(d.expired(100, 100, 2, 1)).toBe(true);
  });

  it("does not expire a newer delivery, nor a channel with nothing unacknowledged, and keeps few samples", () => {
    const d = new AckDeadline();
    for (let t = 0; t <= 1000; t += 25) expect(d.expired(t, 100, 1 + t, t === 1000 ? 0 : 1 + t)).toBe(false);
    const samples = (d as unknown as { at: number[] }).at.length;
    expect(samples).toBeLessThanOrEqual(6);
    // tag 901 went out around 900, before the sample at 925: expired once that sample is 100 ms old
    expect(d.expired(1025, 100, 1100, 901)).toBe(true);
  });
});

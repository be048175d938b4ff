import { describe, expect, it } from "vitest";
import { LoginRateLimiter, MAX_LOGIN_DELAY } from "./login-rate-limit.js";

describe("LoginRateLimiter", () => {
  it("slows an address down once it reaches the limit, more with each failure, then forgets it after the window", () => {
    let now = 1000;
    const l = new LoginRateLimiter({ maxFailures: 3, windowMs: 10_000 }, () => now);
    expect(l.failed("10.0.0.1")).toBe(false);
    expect(l.failed("10.0.0.1")).toBe(false);
    expect(l.delayFor("10.0.0.1")).toBe(0);
    expect(l.failed("10.0.0.1")).toBe(true);
    expect(l.delayFor("10.0.0.1")).toBe(250);
    expect(l.failed("10.0.0.1")).toBe(false);
    expect(l.delayFor("10.0.0.1")).toBe(500);
    for (let i = 0; i < 40; i++) l.failed("10.0.0.1");
    expect(l.delayFor("10.0.0.1")).toBe(MAX_LOGIN_DELAY);
    // Other addresses are not affected.
    expect(l.delayFor("10.0.0.2")).toBe(0);
    now += 9_999;
    expect(l.delayFor("10.0.0.1")).toBe(MAX_LOGIN_DELAY);
    now += 1;
    expect(l.delayFor("10.0.0.1")).toBe(0);
    expect(l.failed("10.0.0.1")).toBe(false);
  });

  it("failures spread over more than a window do not add up", () => {
    let now = 0;
    const l = new LoginRateLimiter({ maxFailures: 2, windowMs: 1000 }, () => now);
    l.failed("a");
    now = 1500;
    expect(l.failed("a")).toBe(false);
    expect(l.delayFor("a")).toBe(0);
  });

  it("a success clears the count; IPv4-mapped IPv6 is the same address", () => {
    const l = new LoginRateLimiter({ maxFailures: 2, windowMs: 1000 });
    l.failed("::ffff:10.1.1.1");
    l.succeeded("10.1.1.1");
    expect(l.failed("10.1.1.1")).toBe(false);
    expect(l.failed("::ffff:10.1.1.1")).toBe(true);
    expect(l.delayFor("10.1.1.1")).toBeGreaterThan(0);
    l.succeeded("::ffff:10.1.1.1");
    expect(l.delayFor("10.1.1.1")).toBe(0);
  });

  it("setLimit applies a new limit to the counts kept so far", () => {
    const l = new LoginRateLimiter({ maxFailures: 5, windowMs: 1000 });
    l.failed("a");
    l.failed("a");
    expect(l.delayFor("a")).toBe(0);
    l.setLimit({ maxFailures: 2, windowMs: 1000 });
    expect(l.limit).toEqual({ maxFailures: 2, windowMs: 1000 });
    expect(l.delayFor("a")).toBe(250);
    l.setLimit({ maxFailures: 0, windowMs: 1000 });
    expect(l.delayFor("a")).toBe(0);
  });

  it("maxFailures 0 turns it off", () => {
    const l = new LoginRateLimiter({ maxFailures: 0, windowMs: 1000 });
    for (let i = 0; i < 100; i++) expect(l.failed("a")).toBe(false);
    expect(l.delayFor("a")).toBe(0);
  });
});

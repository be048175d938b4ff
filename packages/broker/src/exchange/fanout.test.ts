import { describe, expect, it } from "vitest";
import type { Destination } from "./exchange.js";
import { FanoutExchange } from "./fanout.js";

const options = { durable: false, autoDelete: false, internal: false, arguments: {} };
const q = (name: string): Destination => ({ kind: "queue", name });

function route(e: FanoutExchange, key: string): string[] {
  const out: Destination[] = [];
  e.route(key, { any: "header" }, out);
  return out.map((d) => d.name).sort();
}

describe("FanoutExchange", () => {
  it("routes to every destination whatever the key", () => {
    const e = new FanoutExchange("f", options);
    expect(e.type).toBe("fanout");
    expect(route(e, "k")).toEqual([]);
    e.bind(q("a"), "", {});
    e.bind(q("b"), "ignored", {});
    e.bind({ kind: "exchange", name: "c" }, "x.y", {});
    for (const key of ["", "k", "ignored", "a.b.c"]) expect(route(e, key)).toEqual(["a", "b", "c"]);
  });

  it("keeps bindings that differ in key or arguments, routing once to their destination", () => {
    const e = new FanoutExchange("f", options);
    expect(e.bind(q("a"), "k1", {})).toBe(true);
    expect(e.bind(q("a"), "k1", {})).toBe(false);
    expect(e.bind(q("a"), "k2", {})).toBe(true);
    expect(e.bind(q("a"), "k1", { x: "y" })).toBe(true);
    expect(e.bindingCount).toBe(3);
    expect(route(e, "")).toEqual(["a"]);
    expect(e.unbind(q("a"), "k1", {})).toBe(true);
    expect(e.unbind(q("a"), "k2", {})).toBe(true);
    expect(route(e, "")).toEqual(["a"]);
    expect(e.unbind(q("a"), "k1", { x: "y" })).toBe(true);
    expect(route(e, "")).toEqual([]);
    expect(e.unbind(q("a"), "k1", { x: "y" })).toBe(false);
  });

  it("unbinds a destination entirely, leaving the others", () => {
    const e = new FanoutExchange("f", options);
    for (const name of ["a", "b", "c", "d"]) e.bind(q(name), "", {});
    e.bind(q("b"), "other", {});
    expect(e.unbindAll(q("b"))).toBe(2);
    expect(e.unbindAll(q("b"))).toBe(0);
    expect(route(e, "")).toEqual(["a", "c", "d"]);
    expect(e.unbindAll(q("a"))).toBe(1);
    expect(route(e, "")).toEqual(["c", "d"]);
    expect(e.bindingCount).toBe(2);
    expect(e.bindings().map((b) => [b.source, b.destination.name, b.routingKey]).sort()).toEqual([
      ["f", "c", ""],
      ["f", "d", ""],
    ]);
  });
});

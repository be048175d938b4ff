import { describe, expect, it } from "vitest";
import { DirectExchange } from "./direct.js";
import type { Destination } from "./exchange.js";

const options = { durable: false, autoDelete: false, internal: false, arguments: {} };
const q = (name: string): Destination => ({ kind: "queue", name });
const x = (name: string): Destination => ({ kind: "exchange", name });

function route(e: DirectExchange, key: string): string[] {
  const out: Destination[] = [];
  e.route(key, undefined, out);
  return out.map((d) => `${d.kind}:${d.name}`).sort();
}

describe("DirectExchange", () => {
  it("routes on the exact routing key", () => {
    const e = new DirectExchange("d", options);
    expect(e.type).toBe("direct");
    e.bind(q("a"), "k1", {});
    e.bind(q("b"), "k1", {});
    e.bind(q("c"), "k2", {});
    e.bind(x("e"), "k1", {});
    expect(route(e, "k1")).toEqual(["exchange:e", "queue:a", "queue:b"]);
    expect(route(e, "k2")).toEqual(["queue:c"]);
    expect(route(e, "k")).toEqual([]);
    expect(route(e, "k1.x")).toEqual([]);
    expect(route(e, "")).toEqual([]);
  });

  it("routes the empty key like any other", () => {
    const e = new DirectExchange("d", options);
    e.bind(q("a"), "", {});
    expect(route(e, "")).toEqual(["queue:a"]);
    expect(route(e, "x")).toEqual([]);
  });

  it("refuses duplicates, and tells bindings apart by arguments", () => {
    const e = new DirectExchange("d", options);
    expect(e.bind(q("a"), "k", { x: 1 })).toBe(true);
    expect(e.bind(q("a"), "k", { x: 1 })).toBe(false);
    expect(e.bind({ kind: "queue", name: "a" }, "k", { x: 1 })).toBe(false);
    expect(e.bind(q("a"), "k", { x: 2 })).toBe(true);
    expect(e.bind(q("a"), "k", {})).toBe(true);
    expect(e.bindingCount).toBe(3);
    // One destination, however many bindings lead to it.
    expect(route(e, "k")).toEqual(["queue:a"]);
  });

  it("tells a queue from an exchange of the same name", () => {
    const e = new DirectExchange("d", options);
    expect(e.bind(q("a"), "k", {})).toBe(true);
    expect(e.bind(x("a"), "k", {})).toBe(true);
    expect(route(e, "k")).toEqual(["exchange:a", "queue:a"]);
    expect(e.unbindAll(q("a"))).toBe(1);
    expect(route(e, "k")).toEqual(["exchange:a"]);
  });

  it("unbinds exactly the named binding", () => {
    const e = new DirectExchange("d", options);
    e.bind(q("a"), "k", { x: 1 });
    e.bind(q("a"), "k", { x: 2 });
    expect(e.unbind(q("a"), "k", { x: 3 })).toBe(false);
    expect(e.unbind(q("a"), "other", { x: 1 })).toBe(false);
    expect(e.unbind(q("b"), "k", { x: 1 })).toBe(false);
    expect(e.unbind(q("a"), "k", { x: 1 })).toBe(true);
    expect(e.unbind(q("a"), "k", { x: 1 })).toBe(false);
    expect(route(e, "k")).toEqual(["queue:a"]);
    expect(e.unbind(q("a"), "k", { x: 2 })).toBe(true);
    expect(route(e, "k")).toEqual([]);
    expect(e.bindingCount).toBe(0);
    expect(e.bindings()).toEqual([]);
  });

  it("removes every binding of a destination with unbindAll", () => {
    const e = new DirectExchange("d", options);
    e.bind(q("a"), "k1", {});
    e.bind(q("a"), "k2", {});
    e.bind(q("a"), "k2", { x: 1 });
    e.bind(q("b"), "k2", {});
    expect(e.unbindAll(q("a"))).toBe(3);
    expect(e.unbindAll(q("a"))).toBe(0);
    expect(e.bindingCount).toBe(1);
    expect(route(e, "k1")).toEqual([]);
    expect(route(e, "k2")).toEqual(["queue:b"]);
    // The destination can come back afterwards.
    expect(e.bind(q("a"), "k1", {})).toBe(true);
    expect(route(e, "k1")).toEqual(["queue:a"]);
  });

  it("lists its bindings with itself as source", () => {
    const e = new DirectExchange("d", options);
    e.bind(q("a"), "k1", { x: 1 });
    e.bind(x("b"), "k2", {});
    const sorted = e.bindings().sort((l, r) => l.routingKey.localeCompare(r.routingKey));
    expect(sorted).toEqual([
      { source: "d", destination: q("a"), routingKey: "k1", arguments: { x: 1 } },
      { source: "d", destination: x("b"), routingKey: "k2", arguments: {} },
    ]);
  });

  it("pushes the first destination object bound, whatever object later calls pass", () => {
    const e = new DirectExchange("d", options);
    const first = q("a");
    e.bind(first, "k1", {});
    e.bind(q("a"), "k2", {});
    const out: Destination[] = [];
    e.route("k2", undefined, out);
    expect(out[0]).toBe(first);
  });

  it("appends to the out array without clearing it", () => {
    const e = new DirectExchange("d", options);
    e.bind(q("a"), "k", {});
    const out: Destination[] = [q("z")];
    e.route("k", undefined, out);
    expect(out.map((d) => d.name)).toEqual(["z", "a"]);
  });
});

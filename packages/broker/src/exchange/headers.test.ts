import { Decimal, type FieldTable, typed } from "@amqp-go/protocol";
import { describe, expect, it } from "vitest";
import type { Destination } from "./exchange.js";
import { HeadersExchange, validateHeadersBinding } from "./headers.js";

const options = { durable: false, autoDelete: false, internal: false, arguments: {} };
const q = (name: string): Destination => ({ kind: "queue", name });

function route(e: HeadersExchange, headers: FieldTable | undefined, key = ""): string[] {
  const out: Destination[] = [];
  e.route(key, headers, out);
  return out.map((d) => d.name).sort();
}

/** Whether a single binding with `args` takes a message with `headers`. */
function takes(args: FieldTable, headers: FieldTable | undefined): boolean {
  const e = new HeadersExchange("h", options);
  e.bind(q("q"), "", args);
  return route(e, headers).length === 1;
}

describe("validateHeadersBinding", () => {
  it("accepts a missing x-match and the four known values", () => {
    expect(validateHeadersBinding({})).toBeUndefined();
    expect(validateHeadersBinding({ a: 1 })).toBeUndefined();
    for (const m of ["all", "any", "all-with-x", "any-with-x"]) expect(validateHeadersBinding({ "x-match": m })).toBeUndefined();
  });

  it("refuses other values and types with RabbitMQ's text", () => {
    expect(validateHeadersBinding({ "x-match": "some" })).toBe(
      'Invalid x-match field value <<"some">>; expected all, any, all-with-x, or any-with-x',
    );
    expect(validateHeadersBinding({ "x-match": "ALL" })).toMatch(/^Invalid x-match field value/);
    expect(validateHeadersBinding({ "x-match": 1 })).toBe("Invalid x-match field type long (value 1); expected longstr");
    expect(validateHeadersBinding({ "x-match": Buffer.from("all") })).toMatch(/^Invalid x-match field type binary/);
    expect(validateHeadersBinding({ "x-match": null })).toMatch(/^Invalid x-match field type void/);
    expect(validateHeadersBinding({ "x-match": new Decimal(1, 1) })).toMatch(/^Invalid x-match field type decimal/);
  });

  it("makes bind throw, binding nothing", () => {
    const e = new HeadersExchange("h", options);
    expect(() => e.bind(q("a"), "", { "x-match": "most" })).toThrow(/^Invalid x-match field value <<"most">>/);
    expect(e.bindingCount).toBe(0);
  });
});

describe("HeadersExchange matching", () => {
  it("x-match all (the default) needs every entry", () => {
    for (const args of [{ a: 1, b: "x" }, { "x-match": "all", a: 1, b: "x" }]) {
      expect(takes(args, { a: 1, b: "x" })).toBe(true);
      expect(takes(args, { a: 1, b: "x", c: true })).toBe(true);
      expect(takes(args, { a: 1 })).toBe(false);
      expect(takes(args, { a: 1, b: "y" })).toBe(false);
      expect(takes(args, {})).toBe(false);
      expect(takes(args, undefined)).toBe(false);
    }
  });

  it("x-match any needs one entry", () => {
    const args = { "x-match": "any", a: 1, b: "x" };
    expect(takes(args, { a: 1 })).toBe(true);
    expect(takes(args, { a: 2, b: "x" })).toBe(true);
    expect(takes(args, { a: 2, b: "y" })).toBe(false);
    expect(takes(args, { c: 1 })).toBe(false);
    expect(takes(args, undefined)).toBe(false);
  });

  it("an empty pattern takes everything under all and nothing under any", () => {
    expect(takes({}, undefined)).toBe(true);
    expect(takes({ "x-match": "all" }, { a: 1 })).toBe(true);
    expect(takes({ "x-match": "any" }, { a: 1 })).toBe(false);
    expect(takes({ "x-match": "any" }, undefined)).toBe(false);
  });

  it("ignores x- entries unless x-match ends in -with-x", () => {
    expect(takes({ "x-foo": "bar" }, {})).toBe(true);
    expect(takes({ "x-foo": "bar", a: 1 }, { a: 1 })).toBe(true);
    expect(takes({ "x-match": "any", "x-foo": "bar" }, { "x-foo": "bar" })).toBe(false);
    expect(takes({ "x-match": "all-with-x", "x-foo": "bar" }, {})).toBe(false);
    expect(takes({ "x-match": "all-with-x", "x-foo": "bar" }, { "x-foo": "bar" })).toBe(true);
    expect(takes({ "x-match": "all-with-x", "x-foo": "bar", a: 1 }, { "x-foo": "bar" })).toBe(false);
    expect(takes({ "x-match": "any-with-x", "x-foo": "bar", a: 1 }, { "x-foo": "bar" })).toBe(true);
    expect(takes({ "x-match": "any-with-x", "x-foo": "bar" }, { "x-foo": "baz" })).toBe(false);
  });

  it("never matches on x-match itself, even with -with-x", () => {
    expect(takes({ "x-match": "all-with-x" }, {})).toBe(true);
    expect(takes({ "x-match": "any-with-x" }, { "x-match": "any-with-x" })).toBe(false);
  });

  it("a void pattern value asks only that the header be there", () => {
    expect(takes({ a: null }, { a: "anything" })).toBe(true);
    expect(takes({ a: null }, { a: null })).toBe(true);
    expect(takes({ a: null }, { b: 1 })).toBe(false);
    expect(takes({ "x-match": "any", a: null, b: 1 }, { a: 0 })).toBe(true);
    expect(takes({ a: "x" }, { a: null })).toBe(false);
  });

  it("compares values as RabbitMQ's == does", () => {
    // Integer widths all decode to number; 1 == 1.0 in Erlang too.
    expect(takes({ a: 1 }, { a: typed("b", 1) })).toBe(true);
    expect(takes({ a: 2n ** 60n }, { a: 2n ** 60n })).toBe(true);
    expect(takes({ a: 5 }, { a: 5n })).toBe(true);
    expect(takes({ a: 1 }, { a: "1" })).toBe(false);
    expect(takes({ a: true }, { a: true })).toBe(true);
    expect(takes({ a: true }, { a: 1 })).toBe(false);
    expect(takes({ a: "true" }, { a: true })).toBe(false);
    expect(takes({ a: Buffer.from("xy") }, { a: Buffer.from("xy") })).toBe(true);
    expect(takes({ a: Buffer.from("xy") }, { a: Buffer.from("xz") })).toBe(false);
    // longstr and byte array are both binaries in RabbitMQ.
    expect(takes({ a: "héllo" }, { a: Buffer.from("héllo") })).toBe(true);
    expect(takes({ a: Buffer.from("abc") }, { a: "abc" })).toBe(true);
    expect(takes({ a: "abc" }, { a: Buffer.from("abd") })).toBe(false);
    // A timestamp is its integer seconds.
    expect(takes({ a: new Date(1_700_000_000_000) }, { a: new Date(1_700_000_000_000) })).toBe(true);
    expect(takes({ a: new Date(1_700_000_000_000) }, { a: 1_700_000_000 })).toBe(true);
    expect(takes({ a: 1_700_000_000 }, { a: new Date(1_700_000_000_000) })).toBe(true);
    expect(takes({ a: new Date(1_700_000_000_000) }, { a: 1_700_000_001 })).toBe(false);
    expect(takes({ a: new Decimal(2, 100) }, { a: new Decimal(2, 100) })).toBe(true);
    expect(takes({ a: new Decimal(2, 100) }, { a: new Decimal(0, 1) })).toBe(false);
    expect(takes({ a: [1, "x", { b: 2 }] }, { a: [1, "x", { b: 2 }] })).toBe(true);
    expect(takes({ a: [1, "x"] }, { a: [1, "y"] })).toBe(false);
    expect(takes({ a: { b: 1, c: 2 } }, { a: { c: 2, b: 1 } })).toBe(true);
    expect(takes({ a: { b: 1 } }, { a: { b: 1, c: 2 } })).toBe(false);
  });

  it("does not find headers on Object.prototype", () => {
    expect(takes({ constructor: null }, {})).toBe(false);
    expect(takes({ toString: null }, { a: 1 })).toBe(false);
    expect(takes({ constructor: "x" }, { constructor: "x" })).toBe(true);
  });

  it("ignores the routing key when routing", () => {
    const e = new HeadersExchange("h", options);
    e.bind(q("a"), "some-key", { a: 1 });
    expect(route(e, { a: 1 }, "other-key")).toEqual(["a"]);
  });
});

describe("HeadersExchange bindings", () => {
  it("tells bindings apart by destination, key and arguments", () => {
    const e = new HeadersExchange("h", options);
    expect(e.type).toBe("headers");
    expect(e.bind(q("a"), "", { a: 1 })).toBe(true);
    expect(e.bind(q("a"), "", { a: 1 })).toBe(false);
    expect(e.bind(q("a"), "", { a: 1, "x-match": "all" })).toBe(true);
    expect(e.bind(q("a"), "k", { a: 1 })).toBe(true);
    expect(e.bind(q("a"), "", { a: 2 })).toBe(true);
    expect(e.bind(q("b"), "", { a: 1 })).toBe(true);
    expect(e.bind({ kind: "exchange", name: "a" }, "", { a: 1 })).toBe(true);
    expect(e.bindingCount).toBe(6);
    // The caller dedups destinations reached by several bindings.
    expect(route(e, { a: 1 })).toEqual(["a", "a", "a", "a", "b"]);
  });

  it("unbinds exactly the named binding, and all of a destination's with unbindAll", () => {
    const e = new HeadersExchange("h", options);
    e.bind(q("a"), "", { "x-match": "any", a: 1 });
    e.bind(q("a"), "", { b: 2 });
    e.bind(q("b"), "", { b: 2 });
    expect(e.unbind(q("a"), "", { a: 1 })).toBe(false);
    expect(e.unbind(q("a"), "", { a: 1, "x-match": "any" })).toBe(true);
    expect(e.unbind(q("a"), "", { a: 1, "x-match": "any" })).toBe(false);
    expect(route(e, { a: 1, b: 2 })).toEqual(["a", "b"]);
    expect(e.unbindAll(q("a"))).toBe(1);
    expect(e.unbindAll(q("a"))).toBe(0);
    expect(route(e, { a: 1, b: 2 })).toEqual(["b"]);
    expect(e.bindings()).toEqual([{ source: "h", destination: q("b"), routingKey: "", arguments: { b: 2 } }]);
  });
});

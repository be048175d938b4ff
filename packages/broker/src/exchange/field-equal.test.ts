import { Decimal, type FieldValue, typed } from "@amqp-go/protocol";
import { describe, expect, it } from "vitest";
import { deepEqualTable, deepEqualValue } from "./field-equal.js";

describe("deepEqualValue", () => {
  const equal: [string, FieldValue, FieldValue][] = [
    ["strings", "abc", "abc"],
    ["booleans", false, false],
    ["null", null, null],
    ["numbers", 1.5, 1.5],
    ["NaN", Number.NaN, Number.NaN],
    ["number and bigint of one integer", 42, 42n],
    ["bigints", 2n ** 60n, 2n ** 60n],
    ["typed and plain numbers", typed("s", 7), 7],
    ["buffers by content", Buffer.from("xy"), Buffer.from("xy")],
    ["Uint8Array and Buffer", new Uint8Array([1, 2]), Buffer.from([1, 2])],
    ["dates", new Date(1_000_000), new Date(1_000_000)],
    ["decimals", new Decimal(2, 314), new Decimal(2, 314)],
    ["arrays", [1, "a", [true]], [1, "a", [true]]],
    ["tables in any key order", { a: 1, b: { c: "d" } }, { b: { c: "d" }, a: 1 }],
  ];
  it.each(equal)("equal: %s", (_name, a, b) => {
    expect(deepEqualValue(a, b)).toBe(true);
    expect(deepEqualValue(b, a)).toBe(true);
  });

  const different: [string, FieldValue, FieldValue][] = [
    ["strings", "abc", "abd"],
    ["string and buffer", "ab", Buffer.from("ab")],
    ["number and string", 1, "1"],
    ["boolean and number", true, 1],
    ["null and false", null, false],
    ["fraction and bigint", 1.5, 1n],
    ["buffers", Buffer.from("ab"), Buffer.from("ac")],
    ["buffers of other lengths", Buffer.from("ab"), Buffer.from("abc")],
    ["dates", new Date(1000), new Date(2000)],
    ["decimals of other scales", new Decimal(1, 10), new Decimal(0, 1)],
    ["arrays of other lengths", [1], [1, 1]],
    ["array and table", [], {}],
    ["date and table", new Date(0), {}],
    ["tables with an extra key", { a: 1 }, { a: 1, b: 2 }],
    ["tables with other values", { a: 1 }, { a: 2 }],
  ];
  it.each(different)("different: %s", (_name, a, b) => {
    expect(deepEqualValue(a, b)).toBe(false);
    expect(deepEqualValue(b, a)).toBe(false);
  });
});

describe("deepEqualTable", () => {
  it("treats undefined entries as absent", () => {
    expect(deepEqualTable({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(deepEqualTable({ a: undefined }, { b: undefined })).toBe(true);
    expect(deepEqualTable({ a: null }, {})).toBe(false);
  });

  it("does not look at the prototype", () => {
    expect(deepEqualTable({ constructor: 1 }, {})).toBe(false);
    expect(deepEqualTable({}, { constructor: 1 })).toBe(false);
  });
});

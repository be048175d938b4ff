import { describe, expect, it } from "vitest";
import { argument, boundOf, emitDecodeSteps, emitEncodeSteps, importsFor, local, needsLength } from "./emit-codec.js";
import { type FieldModel, layout, tsTypeOf } from "./model.js";
import type { WireType } from "./spec.js";

const field = (name: string, type: WireType, reserved = false): FieldModel => ({
  name,
  specName: name,
  type,
  reserved,
  tsType: tsTypeOf(type),
});

const FAIL = "malformedMethod(0x00010002)";
const decode = (...fields: FieldModel[]): string[] => emitDecodeSteps(fields, FAIL, "");
const encode = (...fields: FieldModel[]): string[] => emitEncodeSteps(fields, "");

describe("emitDecodeSteps", () => {
  it("reads a run of fixed fields after one bounds check", () => {
    expect(decode(field("c", "octet"), field("s", "short"), field("l", "long"), field("ll", "longlong"), field("t", "timestamp"))).toEqual([
      `if (o + 23 > e) throw ${FAIL};`,
      "const c = b[o]!;",
      "const s = (b[o + 1]! << 8) | b[o + 1 + 1]!;",
      "const l = b.readUInt32BE(o + 3);",
      "const ll = readLongLong(b, o + 7);",
      "const t = readLongLong(b, o + 15);",
      "o += 23;",
    ]);
  });

  it("reads a short at the start of a run from o", () => {
    expect(decode(field("replyCode", "short"))).toContain("const replyCode = (b[o]! << 8) | b[o + 1]!;");
  });

  it("unpacks bits lowest first, one octet per eight", () => {
    const bits = Array.from({ length: 9 }, (_, i) => field(`b${i}`, "bit"));
    const out = decode(...bits);
    expect(out[0]).toBe(`if (o + 2 > e) throw ${FAIL};`);
    expect(out).toContain("const bits0 = b[o]!;");
    expect(out).toContain("const b0 = (bits0 & 1) !== 0;");
    expect(out).toContain("const b7 = (bits0 & 128) !== 0;");
    expect(out).toContain("const bits1 = b[o]!;");
    expect(out).toContain("const b8 = (bits1 & 1) !== 0;");
    expect(out.filter((l) => l.startsWith("if ("))).toHaveLength(1);
  });

  it("covers fixed fields and bits around them with one check", () => {
    const out = decode(field("s", "short"), field("flag", "bit"), field("l", "long"));
    expect(out.filter((l) => l.startsWith("if ("))).toEqual([`if (o + 7 > e) throw ${FAIL};`]);
  });

  it("reads a shortstr with its own checks", () => {
    expect(decode(field("queue", "shortstr"))).toEqual([
      `if (o >= e) throw ${FAIL};`,
      "n = b[o]!;",
      "o += 1;",
      `if (o + n > e) throw ${FAIL};`,
      "const queue = readShortString(b, o, o + n);",
      "o += n;",
    ]);
  });

  it("reads a longstr as a subarray", () => {
    const out = decode(field("blob", "longstr"));
    expect(out.slice(0, 4)).toEqual([`if (o + 4 > e) throw ${FAIL};`, "n = b.readUInt32BE(o);", "o += 4;", `if (o + n > e) throw ${FAIL};`]);
    expect(out).toContain("const blob = b.subarray(o, o + n);");
  });

  it("reads a table with decodeFieldTable", () => {
    expect(decode(field("headers", "table"))).toContain("const headers = decodeFieldTable(b, o, o + n);");
  });

  it("checks again for fixed fields after a string", () => {
    const out = decode(field("a", "short"), field("s", "shortstr"), field("c", "octet"), field("d", "bit"));
    expect(out.filter((l) => l.startsWith("if (o +") && l.includes("> e)") && !l.includes("n >"))).toEqual([
      `if (o + 2 > e) throw ${FAIL};`,
      `if (o + 2 > e) throw ${FAIL};`,
    ]);
  });

  it("renames locals that are reserved words in strict mode", () => {
    expect(decode(field("arguments", "table"))).toContain("const arguments_ = decodeFieldTable(b, o, o + n);");
  });

  it("indents with two spaces by default", () => {
    expect(emitDecodeSteps([field("x", "octet")], FAIL)[0]).toBe(`  if (o + 1 > e) throw ${FAIL};`);
  });
});

describe("emitEncodeSteps", () => {
  it("writes a run of fixed fields at constant offsets", () => {
    expect(encode(field("c", "octet"), field("s", "short"), field("l", "long"), field("ll", "longlong"), field("t", "timestamp"))).toEqual([
      "b.writeUInt8(a.c, o);",
      "b.writeUInt16BE(a.s, o + 1);",
      "b.writeUInt32BE(a.l, o + 3);",
      "writeLongLong(b, o + 7, a.ll);",
      "writeLongLong(b, o + 15, a.t);",
      "o += 23;",
    ]);
  });

  it("ors bits into one octet", () => {
    expect(encode(field("a", "bit"), field("b", "bit"))).toEqual(["b[o] = (a.a ? 1 : 0) | (a.b ? 2 : 0);", "o += 1;"]);
  });

  it("writes strings with the helpers", () => {
    expect(encode(field("name", "shortstr"), field("blob", "longstr"))).toEqual([
      "o = writeShortString(b, o, a.name);",
      "o = writeLongString(b, o, a.blob);",
    ]);
  });

  it("writes a last table without a re-check", () => {
    expect(encode(field("s", "shortstr"), field("arguments", "table"))).toEqual([
      "o = writeShortString(b, o, a.s);",
      "o = encodeFieldTable(b, o, (a.arguments ?? EMPTY_TABLE));",
    ]);
  });

  it("re-checks the bound of what follows a table", () => {
    expect(encode(field("arguments", "table"), field("name", "shortstr"), field("flag", "bit"))).toEqual([
      "o = encodeFieldTable(b, o, (a.arguments ?? EMPTY_TABLE));",
      "if (o + 257 > b.length) throw bufferTooSmall(b, o);",
      "o = writeShortString(b, o, a.name);",
      "b[o] = (a.flag ? 1 : 0);",
      "o += 1;",
    ]);
  });

  it("defaults every kind of reserved field", () => {
    const out = encode(
      field("reserved1", "short", true),
      field("reserved2", "shortstr", true),
      field("reserved3", "longstr", true),
      field("reserved4", "bit", true),
      field("reserved5", "table", true),
    );
    expect(out).toEqual([
      "b.writeUInt16BE((a.reserved1 ?? 0), o);",
      "o += 2;",
      'o = writeShortString(b, o, (a.reserved2 ?? ""));',
      "o = writeLongString(b, o, (a.reserved3 ?? EMPTY));",
      "b[o] = ((a.reserved4 ?? false) ? 1 : 0);",
      "o += 1;",
      "o = encodeFieldTable(b, o, (a.reserved5 ?? EMPTY_TABLE));",
    ]);
  });
});

describe("argument", () => {
  it("reads a plain field directly, from `a` or another source", () => {
    expect(argument(field("routingKey", "shortstr"))).toBe("a.routingKey");
    expect(argument(field("routingKey", "shortstr"), "m")).toBe("m.routingKey");
  });

  it("defaults reserved fields by type, and tables even when not reserved", () => {
    expect(argument(field("r", "octet", true))).toBe("(a.r ?? 0)");
    expect(argument(field("r", "longlong", true))).toBe("(a.r ?? 0)");
    expect(argument(field("r", "bit", true))).toBe("(a.r ?? false)");
    expect(argument(field("r", "shortstr", true))).toBe('(a.r ?? "")');
    expect(argument(field("r", "longstr", true))).toBe("(a.r ?? EMPTY)");
    expect(argument(field("t", "table"))).toBe("(a.t ?? EMPTY_TABLE)");
  });
});

describe("boundOf", () => {
  const steps = layout([
    field("x", "long"),
    field("f", "bit"),
    field("s", "shortstr"),
    field("t", "table"),
    field("blob", "longstr"),
    field("r", "longstr", true),
  ]);

  it("sums fixed sizes, one octet per bit group, 256 per shortstr and 4 per table or longstr", () => {
    expect(boundOf(steps)).toBe("273 + a.blob.length + (a.r?.length ?? 0)");
  });

  it("starts at `from` and reads from `source`", () => {
    expect(boundOf(steps, 3, "m")).toBe("12 + m.blob.length + (m.r?.length ?? 0)");
    expect(boundOf(steps, steps.length)).toBe("0");
  });
});

describe("local and needsLength", () => {
  it("suffixes strict-mode reserved words only", () => {
    expect(local("arguments")).toBe("arguments_");
    expect(local("eval")).toBe("eval_");
    expect(local("routingKey")).toBe("routingKey");
    for (const clash of ["class", "o", "e", "b", "n", "id", "flags", "bits0", "v3"]) expect(local(clash)).toBe(`${clash}_`);
  });

  it("needs the scratch length only for strings and tables", () => {
    expect(needsLength([field("a", "octet"), field("b", "bit"), field("c", "longlong")])).toBe(false);
    expect(needsLength([field("a", "shortstr")])).toBe(true);
    expect(needsLength([field("a", "longstr")])).toBe(true);
    expect(needsLength([field("a", "table")])).toBe(true);
  });
});

describe("importsFor", () => {
  it("imports nothing for code without helpers", () => {
    expect(importsFor("const x = b[o]!;")).toEqual([]);
  });

  it("imports only the helpers used, grouped by module in a fixed order", () => {
    expect(importsFor("writeShortString(b, o, x); throw bufferTooSmall(b, o); readLongLong(b, o)")).toEqual([
      'import { bufferTooSmall } from "../errors.js";',
      'import { readLongLong, writeShortString } from "../primitives.js";',
    ]);
  });

  it("matches whole words: EMPTY_TABLE does not import EMPTY", () => {
    expect(importsFor("(a.t ?? EMPTY_TABLE)")).toEqual(['import { EMPTY_TABLE } from "../field-table.js";']);
    expect(importsFor("(a.r ?? EMPTY)")).toEqual(['import { EMPTY } from "../primitives.js";']);
  });

  it("imports what the emitted steps use", () => {
    const code = [...decode(field("h", "table")), ...encode(field("h", "table"))].join("\n");
    expect(importsFor(code)).toEqual([
      'import { malformedMethod } from "../errors.js";',
      'import { decodeFieldTable, EMPTY_TABLE, encodeFieldTable } from "../field-table.js";',
    ]);
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { emitProperties } from "./emit-properties.js";
import { HEADER } from "./header.js";
import { buildModel, type FieldModel, type ProtocolModel, tsTypeOf } from "./model.js";
import { parseSpec, type WireType } from "./spec.js";

/** test/tiny-spec.xml: class 200 has properties of every non-bit wire type, a table second. */
const code = emitProperties(buildModel(parseSpec(readFileSync(new URL("../test/tiny-spec.xml", import.meta.url), "utf8"))));

/** A model with one property list of class 1, built by hand. */
function modelWith(...props: [string, WireType][]): ProtocolModel {
  const fields = props.map(([name, type], i): FieldModel & { flag: number } => ({
    name,
    specName: name,
    type,
    reserved: false,
    tsType: tsTypeOf(type),
    flag: 1 << (15 - i),
  }));
  return { classes: [], methods: [], properties: [{ classId: 1, typeName: "XProperties", fields }] };
}

/** The `if ((flags & flag) !== 0) {...}` block of the decoder. */
function decodeBlock(text: string, flag: string): string {
  const start = text.indexOf(`  if ((flags & ${flag}) !== 0) {`);
  if (start < 0) throw new Error(`no decode block for ${flag}`);
  return text.slice(start, text.indexOf("\n  }\n", start) + 4);
}

/** The `if (vI != null) {...}` block of the encoder. */
function encodeBlock(text: string, i: number): string {
  const start = text.indexOf(`  if (v${i} != null) {`);
  if (start < 0) throw new Error(`no encode block for v${i}`);
  return text.slice(start, text.indexOf("\n  }\n", start) + 4);
}

describe("emitProperties: header, types and flags", () => {
  it("starts with the header and imports exactly the helpers used", () => {
    expect(code.split("\n").slice(0, 5)).toEqual([
      HEADER,
      // ProtocolError is named only in a doc comment, so it is not imported.
      'import { bufferTooSmall, malformedProperties } from "../errors.js";',
      'import { decodeFieldTable, encodeFieldTable } from "../field-table.js";',
      'import { readLongLong, readShortString, writeLongLong, writeLongString, writeShortString } from "../primitives.js";',
      'import type { FieldTable } from "../field-table.js";',
    ]);
  });

  it("imports neither tables nor strings for fixed-size properties", () => {
    const text = emitProperties(modelWith(["priority", "octet"], ["count", "long"]));
    expect(text).not.toContain("field-table.js");
    expect(text).not.toContain("let n");
    expect(text).toContain('import { bufferTooSmall, malformedProperties } from "../errors.js";');
    expect(text).not.toContain("../primitives.js");
  });

  it("emits an interface of optional properties", () => {
    expect(code).toContain("export interface TestProperties {\n  contentType?: string | undefined;\n  headers?: FieldTable | undefined;");
    expect(code).toContain("  body?: Buffer | undefined;\n}");
  });

  it("emits the flag of each property in hex", () => {
    expect(code).toContain("export const TestPropertiesFlag = {\n  contentType: 0x8000,\n  headers: 0x4000,\n  priority: 0x2000,");
    expect(code).toContain("  body: 0x0100,\n} as const;");
  });

  it("rejects flags of undefined properties", () => {
    expect(code).toContain("  if ((flags & 0x00fe) !== 0) throw malformedProperties();");
    expect(emitProperties(modelWith(["a", "octet"]))).toContain("  if ((flags & 0x7ffe) !== 0) throw malformedProperties();");
  });

  it("emits property metadata in flag order", () => {
    expect(code).toContain('  200: [\n    { name: "contentType", specName: "content-type", type: "shortstr", flag: 0x8000 },');
    expect(code).toContain('    { name: "stamp", specName: "stamp", type: "timestamp", flag: 0x0200 },');
  });
});

describe("emitProperties: decoder", () => {
  it("declares the scratch length and every property, and returns every key", () => {
    expect(code).toContain("export function decodeTestProperties(b: Buffer, o: number, e: number): TestProperties {");
    expect(code).toContain("  let n = 0;\n  let contentType: string | undefined;\n  let headers: FieldTable | undefined;");
    expect(code).toContain("  if (o !== e) throw malformedProperties();\n  return { contentType, headers, priority, aShort, aLong, aLonglong, stamp, body };");
  });

  it("reads a shortstr", () => {
    expect(decodeBlock(code, "0x8000")).toContain("    n = b[o]!;\n    o += 1;\n    if (o + n > e) throw malformedProperties();\n    contentType = readShortString(b, o, o + n);");
  });

  it("reads a table", () => {
    const block = decodeBlock(code, "0x4000");
    expect(block).toContain("    if (o + 4 > e) throw malformedProperties();\n    n = b.readUInt32BE(o);");
    expect(block).toContain("    headers = decodeFieldTable(b, o, o + n);\n    o += n;");
  });

  it("reads an octet, a short and a long", () => {
    expect(decodeBlock(code, "0x2000")).toContain("    if (o >= e) throw malformedProperties();\n    priority = b[o]!;\n    o += 1;");
    expect(decodeBlock(code, "0x1000")).toContain("    if (o + 2 > e) throw malformedProperties();\n    aShort = (b[o]! << 8) | b[o + 1]!;\n    o += 2;");
    expect(decodeBlock(code, "0x0800")).toContain("    if (o + 4 > e) throw malformedProperties();\n    aLong = b.readUInt32BE(o);\n    o += 4;");
  });

  it("reads a longlong and a timestamp", () => {
    expect(decodeBlock(code, "0x0400")).toContain("    if (o + 8 > e) throw malformedProperties();\n    aLonglong = readLongLong(b, o);\n    o += 8;");
    expect(decodeBlock(code, "0x0200")).toContain("    stamp = readLongLong(b, o);");
  });

  it("reads a longstr as a subarray", () => {
    expect(decodeBlock(code, "0x0100")).toContain("    body = b.subarray(o, o + n);\n    o += n;");
  });
});

describe("emitProperties: encoder", () => {
  it("bounds every property and writes the flags word last", () => {
    expect(code).toContain("export function encodeTestProperties(b: Buffer, o: number, p: TestProperties): number {");
    expect(code).toContain("  if (o + 2 + 287 + (p.body?.length ?? 0) > b.length) throw bufferTooSmall(b, o);\n  const start = o;\n  let flags = 0;\n  o += 2;");
    expect(code).toContain("  b[start] = flags >>> 8;\n  b[start + 1] = flags & 0xff;\n  return o;");
  });

  it("writes a shortstr and a longstr", () => {
    expect(encodeBlock(code, 0)).toBe("  if (v0 != null) {\n    flags |= 0x8000;\n    o = writeShortString(b, o, v0);\n  }");
    expect(encodeBlock(code, 7)).toBe("  if (v7 != null) {\n    flags |= 0x0100;\n    o = writeLongString(b, o, v7);\n  }");
  });

  it("re-checks the bound of the later properties after a table", () => {
    expect(encodeBlock(code, 1)).toBe(
      "  if (v1 != null) {\n    flags |= 0x4000;\n    o = encodeFieldTable(b, o, v1);\n" +
        "    if (o + 27 + (p.body?.length ?? 0) > b.length) throw bufferTooSmall(b, o);\n  }",
    );
  });

  it("does not re-check after a last table", () => {
    const text = emitProperties(modelWith(["a", "octet"], ["headers", "table"]));
    expect(encodeBlock(text, 1)).toBe("  if (v1 != null) {\n    flags |= 0x4000;\n    o = encodeFieldTable(b, o, v1);\n  }");
  });

  it("writes an octet, a short, a long, a longlong and a timestamp", () => {
    expect(encodeBlock(code, 2)).toContain("    b.writeUInt8(v2, o);\n    o += 1;");
    expect(encodeBlock(code, 3)).toContain("    b.writeUInt16BE(v3, o);\n    o += 2;");
    expect(encodeBlock(code, 4)).toContain("    b.writeUInt32BE(v4, o);\n    o += 4;");
    expect(encodeBlock(code, 5)).toContain("    writeLongLong(b, o, v5);\n    o += 8;");
    expect(encodeBlock(code, 6)).toContain("    writeLongLong(b, o, v6);\n    o += 8;");
  });
});

describe("emitProperties: errors and edge cases", () => {
  it("throws for a bit property", () => {
    expect(() => emitProperties(modelWith(["flag", "bit"]))).toThrow(/bit properties are carried in the flags/);
  });

  it("emits only the metadata for a model without properties", () => {
    const text = emitProperties({ classes: [], methods: [], properties: [] });
    expect(text.split("\n")[0]).toBe(HEADER);
    expect(text).not.toContain("import");
    expect(text).toContain("export const PROPERTIES");
  });
});

describe("emitProperties: local names", () => {
  it("renames a property that is a reserved word or a name the decoder uses", () => {
    const text = emitProperties(modelWith(["arguments", "octet"], ["flags", "shortstr"]));
    expect(text).toContain("let arguments_: number | undefined;");
    expect(text).toContain("let flags_: string | undefined;");
    expect(text).toContain("return { arguments: arguments_, flags: flags_ };");
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { emitMethodCodec, emitMethodInfo, emitMethodTypes } from "./emit-methods.js";
import { HEADER } from "./header.js";
import { buildModel, type ProtocolModel } from "./model.js";
import { parseSpec } from "./spec.js";

/** test/tiny-spec.xml: class `test` (200) with methods fixed, fixed-ok, strings, bits and reserved. */
const model = buildModel(parseSpec(readFileSync(new URL("../test/tiny-spec.xml", import.meta.url), "utf8")));
const only = (...names: string[]): ProtocolModel => ({
  ...model,
  methods: model.methods.filter((m) => names.includes(m.fullName)),
});

const types = emitMethodTypes(model);
const codec = emitMethodCodec(model);
const info = emitMethodInfo(model);

/** The text of `export function name(...) {...}` in `code`. */
function fn(code: string, name: string): string {
  const start = code.indexOf(`export function ${name}(`);
  if (start < 0) throw new Error(`no function ${name}`);
  return code.slice(start, code.indexOf("\n}\n", start) + 2);
}

/** The text of `export interface name {...}` in `code`. */
function iface(code: string, name: string): string {
  const start = code.indexOf(`export interface ${name} `);
  if (start < 0) throw new Error(`no interface ${name}`);
  return code.slice(start, code.indexOf("\n}\n", start) + 2);
}

describe("emitMethodTypes", () => {
  it("starts with the generated header and imports the FieldTable type", () => {
    expect(types.split("\n").slice(0, 2)).toEqual([HEADER, 'import type { FieldTable } from "../field-table.js";']);
  });

  it("emits class ids and method ids in hex with the spec name", () => {
    expect(types).toContain("export const ClassId = {\n  Test: 200,\n} as const;");
    expect(types).toContain("  TestFixed: 0x00c8000a, // test.fixed (200/10)\n");
    expect(types).toContain("  TestReserved: 0x00c80028, // test.reserved (200/40)\n");
  });

  it("makes plain fields required and reserved fields and tables optional in the arguments", () => {
    expect(iface(types, "TestStringsArgs")).toBe(
      "export interface TestStringsArgs {\n  name: string;\n  blob: Buffer;\n  arguments?: FieldTable;\n  noWait: boolean;\n}",
    );
    expect(iface(types, "TestReservedArgs")).toContain("  reserved1?: number;\n  reserved2?: string;\n  reserved3?: Buffer;");
  });

  it("re-declares the optional fields as present in the decoded type", () => {
    expect(iface(types, "TestStrings")).toBe(
      "export interface TestStrings extends TestStringsArgs {\n  readonly id: 0x00c80014;\n  arguments: FieldTable;\n}",
    );
    expect(iface(types, "TestFixed")).toBe("export interface TestFixed extends TestFixedArgs {\n  readonly id: 0x00c8000a;\n}");
  });

  it("emits an empty arguments interface for a method without fields", () => {
    expect(iface(types, "TestFixedOkArgs")).toBe("export interface TestFixedOkArgs {\n}");
  });

  it("emits the Method and MethodArgs unions", () => {
    expect(types).toContain("export type Method =\n  | TestFixed\n  | TestFixedOk\n  | TestStrings\n  | TestBits\n  | TestReserved;");
    expect(types).toContain("  | (TestFixedArgs & { readonly id: 0x00c8000a })\n");
  });
});

describe("emitMethodCodec", () => {
  it("starts with the header and imports exactly the helpers used", () => {
    expect(codec.split("\n").slice(0, 6)).toEqual([
      HEADER,
      'import { bufferTooSmall, malformedMethod, ProtocolError } from "../errors.js";',
      'import { decodeFieldTable, EMPTY_TABLE, encodeFieldTable } from "../field-table.js";',
      'import { EMPTY, readLongLong, readShortString, writeLongLong, writeLongString, writeShortString } from "../primitives.js";',
      'import { ReplyCode } from "./constants.js";',
      "import type {",
    ]);
  });

  it("imports no table or string helper when only fixed fields are used", () => {
    const code = emitMethodCodec(only("test.fixed"));
    expect(code).not.toContain("../field-table.js");
    expect(code).toContain('import { readLongLong, writeLongLong } from "../primitives.js";');
    expect(code).toContain("import type {\n  Method,\n  MethodArgs,\n  TestFixed,\n  TestFixedArgs,\n} from \"./methods.js\";");
  });

  it("decodes fixed fields after one check and returns every field", () => {
    const d = fn(codec, "decodeTestFixed");
    expect(d).toContain("export function decodeTestFixed(b: Buffer, o: number, e: number): TestFixed {");
    expect(d).not.toContain("let n");
    expect(d).toContain("  if (o + 23 > e) throw malformedMethod(0x00c8000a);");
    expect(d).toContain("  const deliveryTag = readLongLong(b, o + 7);");
    expect(d).toContain("  const stamp = readLongLong(b, o + 15);");
    expect(d).toContain("  if (o !== e) throw malformedMethod(0x00c8000a);");
    expect(d).toContain("  return { id: 0x00c8000a, anOctet, aShort, aLong, deliveryTag, stamp };");
  });

  it("encodes fixed fields after one bound check of id and arguments", () => {
    const en = fn(codec, "encodeTestFixed");
    expect(en).toContain("export function encodeTestFixed(b: Buffer, o: number, a: TestFixedArgs): number {");
    expect(en).toContain("  if (o + 4 + 23 > b.length) throw bufferTooSmall(b, o);\n  b.writeUInt32BE(0x00c8000a, o);\n  o += 4;");
    expect(en).toContain("  b.writeUInt16BE(a.aShort, o + 1);");
    expect(en).toContain("  writeLongLong(b, o + 7, a.deliveryTag);");
    expect(en).toContain("  o += 23;\n  return o;");
  });

  it("handles a method without fields", () => {
    expect(fn(codec, "decodeTestFixedOk")).toContain("  if (o !== e) throw malformedMethod(0x00c8000b);\n  return { id: 0x00c8000b };");
    const en = fn(codec, "encodeTestFixedOk");
    expect(en).toContain("(b: Buffer, o: number, _a: TestFixedOkArgs)");
    expect(en).toContain("  if (o + 4 + 0 > b.length) throw bufferTooSmall(b, o);");
  });

  it("decodes strings with the scratch length and renames `arguments`", () => {
    const d = fn(codec, "decodeTestStrings");
    expect(d).toContain("  let n = 0;");
    expect(d).toContain("  const name = readShortString(b, o, o + n);");
    expect(d).toContain("  const blob = b.subarray(o, o + n);");
    expect(d).toContain("  const arguments_ = decodeFieldTable(b, o, o + n);");
    expect(d).toContain("  const noWait = (bits0 & 1) !== 0;");
    expect(d).toContain("  return { id: 0x00c80014, name, blob, arguments: arguments_, noWait };");
  });

  it("bounds a longstr by its length and re-checks after a table", () => {
    const en = fn(codec, "encodeTestStrings");
    expect(en).toContain("  if (o + 4 + 265 + a.blob.length > b.length) throw bufferTooSmall(b, o);");
    expect(en).toContain(
      "  o = encodeFieldTable(b, o, (a.arguments ?? EMPTY_TABLE));\n  if (o + 1 > b.length) throw bufferTooSmall(b, o);\n  b[o] = (a.noWait ? 1 : 0);",
    );
  });

  it("packs nine bits into two octets", () => {
    const d = fn(codec, "decodeTestBits");
    expect(d).toContain("  if (o + 2 > e) throw malformedMethod(0x00c8001e);");
    expect(d).toContain("  const b8 = (bits0 & 128) !== 0;\n  const bits1 = b[o]!;\n  o += 1;\n  const b9 = (bits1 & 1) !== 0;");
    const en = fn(codec, "encodeTestBits");
    expect(en).toContain("(a.b8 ? 128 : 0);\n  o += 1;\n  b[o] = (a.b9 ? 1 : 0);\n  o += 1;");
  });

  it("writes defaults for reserved fields and no re-check after a last table", () => {
    const en = fn(codec, "encodeTestReserved");
    expect(en).toContain("  if (o + 4 + 267 + (a.reserved3?.length ?? 0) > b.length) throw bufferTooSmall(b, o);");
    expect(en).toContain("  b.writeUInt16BE((a.reserved1 ?? 0), o);");
    expect(en).toContain('  o = writeShortString(b, o, (a.reserved2 ?? ""));');
    expect(en).toContain("  o = writeLongString(b, o, (a.reserved3 ?? EMPTY));");
    expect(en).toContain("  b[o] = ((a.reserved4 ?? false) ? 1 : 0);");
    expect(en).toContain("  o = encodeFieldTable(b, o, (a.reserved5 ?? EMPTY_TABLE));\n  return o;");
    expect(fn(codec, "decodeTestReserved")).toContain("  return { id: 0x00c80028, reserved1, reserved2, reserved3, reserved4, reserved5 };");
  });

  it("dispatches to every decoder in decodeMethod and every encoder in encodeMethod", () => {
    const d = fn(codec, "decodeMethod");
    expect(d).toContain("return decodeTestStrings(b, o + 4, e);");
    expect(d.match(/return decodeTest\w+\(b, o \+ 4, e\);/g)).toHaveLength(5);
    expect(d).toContain('throw new ProtocolError(ReplyCode.FRAME_ERROR, "method frame shorter than 4 octets");');
    expect(d).toContain("ReplyCode.NOT_IMPLEMENTED");
    const en = fn(codec, "encodeMethod");
    expect(en).toContain("return encodeTestBits(b, o, m");
    expect(en.match(/return encodeTest\w+\(b, o, m\b/g)).toHaveLength(5);
  });
});

describe("emitMethodInfo", () => {
  it("starts with the generated header", () => {
    expect(info.split("\n")[0]).toBe(HEADER);
  });

  it("describes every method with its fields and response ids", () => {
    expect(info).toContain(
      [
        "  {",
        "    id: 0x00c8000a,",
        "    classId: 200,",
        "    methodId: 10,",
        '    name: "test.fixed",',
        "    synchronous: true,",
        "    content: false,",
        "    responses: [0x00c8000b],",
        "    fields: [",
        '      { name: "anOctet", specName: "an-octet", type: "octet", reserved: false },',
      ].join("\n"),
    );
    expect(info).toContain('      { name: "reserved2", specName: "reserved-2", type: "shortstr", reserved: true },');
    expect(info).toContain('      { name: "arguments", specName: "arguments", type: "table", reserved: false },');
  });

  it("names methods by id", () => {
    expect(fn(info, "methodName")).toContain('    case 0x00c80028:\n      return "test.reserved";');
  });

  it("lists only content methods in methodHasContent and only synchronous ones in methodIsSynchronous", () => {
    expect(fn(info, "methodHasContent")).toContain("  switch (id) {\n    case 0x00c80014:\n      return true;");
    expect(fn(info, "methodIsSynchronous")).toContain("  switch (id) {\n    case 0x00c8000a:\n    case 0x00c8000b:\n      return true;");
  });
});

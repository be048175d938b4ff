import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildModel, type FieldModel, layout, tsTypeOf } from "./model.js";
import { parseSpec, type WireType } from "./spec.js";

const realXml = readFileSync(new URL("../../../spec/amqp0-9-1.extended.xml", import.meta.url), "utf8");
const model = buildModel(parseSpec(realXml));

const tiny = (body: string): string => `<amqp major="0" minor="9" revision="1" port="5672">${body}</amqp>`;
const modelOf = (body: string) => buildModel(parseSpec(tiny(body)));

/** A hand-built field; `name` doubles as the spec name. */
const field = (name: string, type: WireType, reserved = false): FieldModel => ({
  name,
  specName: name,
  type,
  reserved,
  tsType: tsTypeOf(type),
});

const names = (fs: readonly FieldModel[]): string[] => fs.map((f) => f.name);

describe("buildModel on the real spec", () => {
  it("gives each method the id (classId << 16) | methodId and its names", () => {
    const publish = model.methods.find((m) => m.fullName === "basic.publish");
    expect(publish).toMatchObject({
      typeName: "BasicPublish",
      constName: "BASIC_PUBLISH",
      classId: 60,
      methodId: 40,
      id: (60 << 16) | 40,
      content: true,
    });
    expect(publish?.id).toBe(0x003c0028);
    for (const m of model.methods) expect(m.id).toBe(m.classId * 65536 + m.methodId);
  });

  it("resolves responses to method ids within the class", () => {
    const get = model.methods.find((m) => m.fullName === "basic.get");
    expect(get?.responses).toEqual([(60 << 16) | 71, (60 << 16) | 72]);
  });

  it("names fields in camelCase and gives each its TypeScript type", () => {
    const declare = model.methods.find((m) => m.fullName === "queue.declare");
    expect(declare?.fields.map((f) => `${f.name}:${f.tsType}`)).toEqual([
      "reserved1:number", "queue:string", "passive:boolean", "durable:boolean", "exclusive:boolean",
      "autoDelete:boolean", "noWait:boolean", "arguments:FieldTable",
    ]);
    expect(declare?.fields[0]).toMatchObject({ specName: "reserved-1", reserved: true });
  });

  it("lists the classes with PascalCase names", () => {
    expect(model.classes[0]).toEqual({ name: "connection", typeName: "Connection", id: 10 });
    expect(model.classes).toHaveLength(7);
  });

  it("gives the basic properties flags 1 << (15 - i)", () => {
    expect(model.properties).toHaveLength(1);
    const p = model.properties[0]!;
    expect(p).toMatchObject({ classId: 60, typeName: "BasicProperties" });
    p.fields.forEach((f, i) => expect(f.flag).toBe(1 << (15 - i)));
    expect(p.fields[0]).toMatchObject({ name: "contentType", flag: 0x8000 });
    expect(p.fields[13]).toMatchObject({ name: "reserved", flag: 0x0004 });
  });
});

describe("buildModel errors", () => {
  it("throws for a response naming an unknown method", () => {
    const body = `<class name="c" index="10"><method name="m" index="1"><response name="m-ok"/></method></class>`;
    expect(() => modelOf(body)).toThrow(/c\.m answered by unknown m-ok/);
  });

  it("throws for duplicate method ids", () => {
    const body = `<class name="c" index="10"><method name="a" index="1"/><method name="b" index="1"/></class>`;
    expect(() => modelOf(body)).toThrow(/duplicate method id 10\/1/);
  });

  it("throws for more than 15 properties, and accepts 15", () => {
    const props = (n: number) => Array.from({ length: n }, (_, i) => `<field name="p${i}" domain="octet"/>`).join("");
    expect(() => modelOf(`<class name="c" index="10">${props(16)}</class>`)).toThrow(/c has more than 15 properties/);
    expect(modelOf(`<class name="c" index="10">${props(15)}</class>`).properties[0]?.fields[14]?.flag).toBe(2);
  });
});

describe("tsTypeOf", () => {
  it("maps every wire type", () => {
    const types: WireType[] = ["bit", "octet", "short", "long", "longlong", "timestamp", "shortstr", "longstr", "table"];
    expect(types.map(tsTypeOf)).toEqual(["boolean", "number", "number", "number", "number", "number", "string", "Buffer", "FieldTable"]);
  });
});

describe("layout", () => {
  it("packs consecutive bits into one octet", () => {
    const steps = layout([field("a", "bit"), field("b", "bit"), field("c", "bit")]);
    expect(steps).toHaveLength(1);
    expect(steps[0]?.kind).toBe("bits");
    expect(steps[0]?.kind === "bits" && names(steps[0].fields)).toEqual(["a", "b", "c"]);
  });

  it("puts at most eight bits in an octet: nine bits take two steps", () => {
    const bits = Array.from({ length: 9 }, (_, i) => field(`b${i}`, "bit"));
    const steps = layout(bits);
    expect(steps.map((s) => (s.kind === "bits" ? s.fields.length : -1))).toEqual([8, 1]);
  });

  it("ends a bit group at a non-bit field", () => {
    const steps = layout([field("a", "bit"), field("n", "octet"), field("b", "bit")]);
    expect(steps.map((s) => s.kind)).toEqual(["bits", "fixed", "bits"]);
  });

  it("merges consecutive fixed fields into one run with the summed size", () => {
    const steps = layout([field("o", "octet"), field("s", "short"), field("l", "long"), field("ll", "longlong"), field("t", "timestamp")]);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ kind: "fixed", size: 1 + 2 + 4 + 8 + 8 });
    expect(steps[0]?.kind === "fixed" && names(steps[0].fields)).toEqual(["o", "s", "l", "ll", "t"]);
  });

  it("keeps strings and tables as steps of their own", () => {
    const steps = layout([
      field("s1", "short"),
      field("ss", "shortstr"),
      field("ls", "longstr"),
      field("t", "table"),
      field("t2", "table"),
      field("s2", "short"),
      field("l", "long"),
    ]);
    expect(steps.map((s) => s.kind)).toEqual(["fixed", "shortstr", "longstr", "table", "table", "fixed"]);
    expect(steps[5]).toMatchObject({ kind: "fixed", size: 6 });
  });

  it("lays out basic.deliver as the spec describes", () => {
    const deliver = model.methods.find((m) => m.fullName === "basic.deliver")!;
    expect(layout(deliver.fields).map((s) => s.kind)).toEqual(["shortstr", "fixed", "bits", "shortstr", "shortstr"]);
  });

  it("returns no steps for no fields", () => {
    expect(layout([])).toEqual([]);
  });
});

describe("buildModel ids", () => {
  it("stay positive for class indexes above 32767", () => {
    const m = modelOf('<class name="big" index="40000"><method name="m" index="1"/></class>').methods[0]!;
    expect(m.id).toBe(40000 * 65536 + 1);
    expect(m.id).toBeGreaterThan(0);
  });
});

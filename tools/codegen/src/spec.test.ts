import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Class, type Method, parseSpec } from "./spec.js";

const realXml = readFileSync(new URL("../../../spec/amqp0-9-1.extended.xml", import.meta.url), "utf8");
const spec = parseSpec(realXml);

function cls(name: string): Class {
  const c = spec.classes.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no class ${name}`);
  return c;
}

function method(className: string, name: string): Method {
  const m = cls(className).methods.find((x) => x.name === name);
  if (m === undefined) throw new Error(`no method ${className}.${name}`);
  return m;
}

const fieldOf = (m: Method, name: string) => m.fields.find((f) => f.name === name);

/** Wraps class and constant elements in a minimal <amqp> root. */
const tiny = (body: string): string => `<amqp major="0" minor="9" revision="1" port="5672">${body}</amqp>`;

describe("parseSpec on spec/amqp0-9-1.extended.xml", () => {
  it("reads the version and port", () => {
    expect([spec.major, spec.minor, spec.revision]).toEqual([0, 9, 1]);
    expect(spec.port).toBe(5672);
  });

  it("has the seven classes with their ids, in spec order", () => {
    expect(spec.classes.map((c) => [c.name, c.index])).toEqual([
      ["connection", 10],
      ["channel", 20],
      ["exchange", 40],
      ["queue", 50],
      ["basic", 60],
      ["tx", 90],
      ["confirm", 85],
    ]);
  });

  it("has 64 methods with their ids", () => {
    const ids = Object.fromEntries(spec.classes.map((c) => [c.name, c.methods.map((m) => `${m.name}=${m.index}`)]));
    expect(ids).toEqual({
      connection: ["start=10", "start-ok=11", "secure=20", "secure-ok=21", "tune=30", "tune-ok=31", "open=40", "open-ok=41",
        "close=50", "close-ok=51", "blocked=60", "unblocked=61", "update-secret=70", "update-secret-ok=71"],
      channel: ["open=10", "open-ok=11", "flow=20", "flow-ok=21", "close=40", "close-ok=41"],
      exchange: ["declare=10", "declare-ok=11", "delete=20", "delete-ok=21", "bind=30", "bind-ok=31", "unbind=40", "unbind-ok=51"],
      queue: ["declare=10", "declare-ok=11", "bind=20", "bind-ok=21", "unbind=50", "unbind-ok=51", "purge=30", "purge-ok=31",
        "delete=40", "delete-ok=41"],
      basic: ["qos=10", "qos-ok=11", "consume=20", "consume-ok=21", "cancel=30", "cancel-ok=31", "publish=40", "return=50",
        "deliver=60", "get=70", "get-ok=71", "get-empty=72", "ack=80", "reject=90", "recover-async=100", "recover=110",
        "recover-ok=111", "nack=120"],
      tx: ["select=10", "select-ok=11", "commit=20", "commit-ok=21", "rollback=30", "rollback-ok=31"],
      confirm: ["select=10", "select-ok=11"],
    });
    expect(spec.classes.flatMap((c) => c.methods)).toHaveLength(64);
  });

  it("has the 14 basic properties in flag order, and no properties elsewhere", () => {
    expect(cls("basic").properties.map((p) => `${p.name}:${p.type}`)).toEqual([
      "content-type:shortstr", "content-encoding:shortstr", "headers:table", "delivery-mode:octet", "priority:octet",
      "correlation-id:shortstr", "reply-to:shortstr", "expiration:shortstr", "message-id:shortstr", "timestamp:timestamp",
      "type:shortstr", "user-id:shortstr", "app-id:shortstr", "reserved:shortstr",
    ]);
    expect(spec.classes.filter((c) => c.properties.length > 0).map((c) => c.name)).toEqual(["basic"]);
  });

  it("resolves domains to wire types and keeps the domain name", () => {
    expect(fieldOf(method("basic", "deliver"), "delivery-tag")).toEqual({
      name: "delivery-tag", type: "longlong", domain: "delivery-tag", reserved: false,
    });
    expect(fieldOf(method("queue", "declare"), "arguments")?.type).toBe("table");
    expect(fieldOf(method("connection", "start"), "server-properties")?.type).toBe("table");
    expect(fieldOf(method("basic", "consume"), "no-wait")?.type).toBe("bit");
    expect(fieldOf(method("queue", "declare-ok"), "message-count")?.type).toBe("long");
    expect(fieldOf(method("connection", "close"), "reply-code")?.type).toBe("short");
    expect(fieldOf(method("connection", "open"), "virtual-host")?.type).toBe("shortstr");
    expect(fieldOf(method("connection", "start"), "version-major")?.type).toBe("octet");
  });

  it("flags reserved fields, typed by their type attribute", () => {
    expect(method("connection", "open").fields.filter((f) => f.reserved)).toEqual([
      { name: "reserved-1", type: "shortstr", domain: "shortstr", reserved: true },
      { name: "reserved-2", type: "bit", domain: "bit", reserved: true },
    ]);
    expect(fieldOf(method("channel", "open-ok"), "reserved-1")).toMatchObject({ type: "longstr", reserved: true });
    expect(fieldOf(method("basic", "publish"), "reserved-1")).toMatchObject({ type: "short", reserved: true });
    expect(fieldOf(method("basic", "publish"), "exchange")?.reserved).toBe(false);
  });

  it("reads synchronous and content flags", () => {
    expect(method("basic", "publish")).toMatchObject({ synchronous: false, content: true });
    expect(method("basic", "get-ok")).toMatchObject({ synchronous: true, content: true });
    expect(method("queue", "declare")).toMatchObject({ synchronous: true, content: false });
    expect(method("basic", "ack")).toMatchObject({ synchronous: false, content: false });
  });

  it("reads responses", () => {
    expect(method("basic", "get").responses).toEqual(["get-ok", "get-empty"]);
    expect(method("connection", "start").responses).toEqual(["start-ok"]);
    expect(method("basic", "publish").responses).toEqual([]);
  });

  it("reads reply-code constants with their soft/hard class", () => {
    const byName = new Map(spec.constants.map((c) => [c.name, c]));
    expect(byName.get("frame-end")).toEqual({ name: "frame-end", value: 206, errorClass: undefined });
    expect(byName.get("reply-success")).toEqual({ name: "reply-success", value: 200, errorClass: undefined });
    expect(byName.get("not-found")).toEqual({ name: "not-found", value: 404, errorClass: "soft-error" });
    expect(byName.get("frame-error")).toEqual({ name: "frame-error", value: 501, errorClass: "hard-error" });
    const hard = spec.constants.filter((c) => c.errorClass === "hard-error").map((c) => c.value);
    expect(hard).toEqual([320, 402, 501, 502, 503, 504, 505, 506, 530, 540, 541]);
  });
});

describe("parseSpec errors", () => {
  it("rejects a document without an <amqp> root", () => {
    expect(() => parseSpec("<spec/>")).toThrow(/no <amqp> root/);
  });

  it("rejects a field with an unknown domain", () => {
    const xml = tiny(`<class name="c" index="10"><method name="m" index="1"><field name="f" domain="nope"/></method></class>`);
    expect(() => parseSpec(xml)).toThrow(/field c\.m\.f has unknown domain nope/);
  });

  it("rejects a property with an unknown domain", () => {
    const xml = tiny(`<class name="c" index="10"><field name="p" domain="nope"/></class>`);
    expect(() => parseSpec(xml)).toThrow(/field c\.p has unknown domain nope/);
  });

  it("rejects a field with neither domain nor type", () => {
    const xml = tiny(`<class name="c" index="10"><method name="m" index="1"><field name="f"/></method></class>`);
    expect(() => parseSpec(xml)).toThrow(/field c\.m\.f has neither domain nor type/);
  });

  it("rejects a domain of an unknown wire type", () => {
    expect(() => parseSpec(tiny(`<domain name="d" type="float"/>`))).toThrow(/domain d has unknown type float/);
  });

  it("rejects a method or class without an index", () => {
    expect(() => parseSpec(tiny(`<class name="c" index="10"><method name="m"/></class>`))).toThrow(/c\.m has no index attribute/);
    expect(() => parseSpec(tiny(`<class name="c"/>`))).toThrow(/c has no index attribute/);
  });

  it("rejects an index that is not an integer", () => {
    expect(() => parseSpec(tiny(`<class name="c" index="ten"/>`))).toThrow(/c is not an integer: ten/);
    expect(() => parseSpec(tiny(`<class name="c" index="1.5"/>`))).toThrow(/not an integer: 1\.5/);
  });

  it("rejects a constant with an unknown class", () => {
    const xml = tiny(`<constant name="oops" value="1" class="medium-error"/>`);
    expect(() => parseSpec(xml)).toThrow(/constant oops has unknown class medium-error/);
  });

  it("rejects a constant without a value", () => {
    expect(() => parseSpec(tiny(`<constant name="oops"/>`))).toThrow(/oops has no value attribute/);
  });

  it("rejects a root without a port", () => {
    expect(() => parseSpec(`<amqp major="0" minor="9" revision="1"/>`)).toThrow(/amqp has no port attribute/);
  });

  it("rejects an index beyond 16 bits or written other than in decimal digits", () => {
    const spec = (cls: string, m: string) =>
      `<amqp major="0" minor="9" revision="1" port="5672"><class name="a" index="${cls}"><method name="m" index="${m}"/></class></amqp>`;
    expect(() => parseSpec(spec("10", "65536"))).toThrow(/does not fit 16 bits/);
    expect(() => parseSpec(spec("65536", "1"))).toThrow(/does not fit 16 bits/);
    expect(() => parseSpec(spec("0x10", "1"))).toThrow(/not an integer/);
    expect(() => parseSpec(spec("10", ""))).toThrow(/not an integer/);
    expect(() => parseSpec(spec("1e1", "1"))).toThrow(/not an integer/);
  });

  it("accepts a field typed by a wire type directly, without a domain element", () => {
    const xml = tiny(`<class name="c" index="10"><method name="m" index="1"><field name="f" type="long"/></method></class>`);
    expect(parseSpec(xml).classes[0]?.methods[0]?.fields).toEqual([{ name: "f", type: "long", domain: "long", reserved: false }]);
  });
});

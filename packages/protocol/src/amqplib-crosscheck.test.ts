/**
 * Cross-checks against an independent implementation, amqplib's generated codec: what amqplib
 * encodes we decode to the same values, and what we encode amqplib decodes to the same values, for
 * every method of the spec and for content properties. amqplib names some fields differently
 * (`ticket` for reserved-1, `nowait`, `clusterId`), so fields are matched by position.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { amqplibDecode, defs } from "../test/amqplib.js";
import { arbitraryOf } from "../test/arbitraries.js";
import { Recorder } from "../test/frames.js";
import {
  type BasicProperties,
  Decimal,
  decodeBasicProperties,
  type FieldTable,
  type FieldValue,
  FrameParser,
  METHODS,
  type MethodArgs,
  type MethodInfo,
  PROPERTIES,
  TypedValue,
  typed,
  writeHeaderFrame,
  writeMethodFrame,
} from "./index.js";

// ---- values in amqplib's representation -------------------------------------------------------

type AmqplibValue = unknown;

/** A table amqplib can encode, paired with what our decoder must make of it. */
const amqplibValue: fc.Arbitrary<[AmqplibValue, FieldValue]> = fc.letrec<{ v: [AmqplibValue, FieldValue]; t: [AmqplibValue, FieldValue] }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.boolean().map((b) => [b, b]),
    fc.integer().map((n) => [n, n]),
    fc.maxSafeInteger().map((n) => [n, n]),
    // amqplib encodes non-integers of 2^50 and more as integers (and throws): keep below.
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d) && Math.abs(d) < 2 ** 50).map((d) => [d, d]),
    fc.string({ maxLength: 20, unit: "binary" }).map((s) => [s, s]),
    fc.uint8Array({ maxLength: 10 }).map((a) => [Buffer.from(a), Buffer.from(a)]),
    fc.constant([null, null]),
    fc.integer({ min: 0, max: 2 ** 40 }).map((s) => [{ "!": "timestamp", value: s }, new Date(s * 1000)]),
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffffffff })).map(([p, d]) => [{ "!": "decimal", value: { places: p, digits: d } }, new Decimal(p, d)]),
    fc.integer({ min: 0, max: 65535 }).map((n) => [{ "!": "uint16", value: n }, n]),
    fc.integer({ min: 0, max: 0xffffffff }).map((n) => [{ "!": "uint32", value: n }, n]),
    fc.float({ noNaN: true }).map((f) => [{ "!": "float", value: f }, Math.fround(f)]),
    fc.array(tie("v"), { maxLength: 3 }).map((xs) => [xs.map((x) => x[0]), xs.map((x) => x[1])]),
    tie("t"),
  ) as fc.Arbitrary<[AmqplibValue, FieldValue]>,
  // amqplib reads a "!" key as its type trapdoor, and "__proto__" as the prototype: neither is data there.
  t: fc.dictionary(fc.string({ maxLength: 10, unit: "grapheme-ascii" }).filter((k) => k !== "__proto__" && k !== "!"), tie("v"), { maxKeys: 4 }).map((d) => {
    const theirs: Record<string, unknown> = {};
    const ours: FieldTable = {};
    for (const [k, [a, b]] of Object.entries(d)) {
      theirs[k] = a;
      ours[k] = b;
    }
    return [theirs, ours] as [AmqplibValue, FieldValue];
  }),
})).t;

/** What amqplib's decoder makes of a value we encoded. */
function asAmqplibDecodes(v: FieldValue | undefined): unknown {
  if (v instanceof Date) return { "!": "timestamp", value: v.getTime() / 1000 };
  if (v instanceof Decimal) return { "!": "decimal", value: { places: v.scale, digits: v.value } };
  if (v instanceof TypedValue) return v.tag === "f" ? Math.fround(v.value as number) : Number(v.value);
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (Array.isArray(v)) return v.map((x) => asAmqplibDecodes(x ?? null));
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = asAmqplibDecodes(x);
  return out;
}

function argsFor(info: MethodInfo, table: fc.Arbitrary<[unknown, unknown]>): fc.Arbitrary<{ theirs: Record<string, unknown>; ours: Record<string, unknown> }> {
  const theirInfo = defs.info(info.id);
  const parts = info.fields.map((f) => (f.type === "table" ? table : arbitraryOf(f.type).map((v) => [v, v] as [unknown, unknown])));
  return fc.tuple(...parts).map((values) => {
    const theirs: Record<string, unknown> = {};
    const ours: Record<string, unknown> = {};
    info.fields.forEach((f, i) => {
      theirs[theirInfo.args[i]!.name] = values[i]![0];
      ours[f.name] = values[i]![1];
    });
    return { theirs, ours };
  });
}

function parseOne(bytes: Buffer): Recorder {
  const r = new Recorder();
  new FrameParser(r, { frameMax: 0 }).push(bytes);
  return r;
}

/** A "__proto__" key at any depth: amqplib's decoder assigns it, which sets the prototype instead. */
function hasProtoKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasProtoKey);
  if (v === null || typeof v !== "object" || v instanceof Date || v instanceof Uint8Array || v instanceof Decimal || v instanceof TypedValue) return false;
  return Object.keys(v).some((k) => k === "__proto__" || hasProtoKey((v as Record<string, unknown>)[k]));
}

const ourTable = fc.constant(null).chain(() => arbitraryOf("table")).filter((t) => !hasProtoKey(t)).map((t) => [asAmqplibDecodes(t as FieldTable), t] as [unknown, unknown]);

describe("cross-check with amqplib's codec", () => {
  describe.each(METHODS.map((m) => [m.name, m] as const))("%s", (_name, info) => {
    it("has the same argument types, in the same order", () => {
      const theirs = defs.info(info.id);
      expect(theirs.args.map((a) => a.type)).toEqual(info.fields.map((f) => f.type));
    });

    it("decodes what amqplib encodes", () => {
      fc.assert(
        fc.property(argsFor(info, amqplibValue as fc.Arbitrary<[unknown, unknown]>), fc.integer({ min: 0, max: 65535 }), ({ theirs, ours }, channel) => {
          const bytes = defs.encodeMethod(info.id, channel, theirs);
          const r = parseOne(bytes);
          expect(r.events).toEqual([{ kind: "method", channel, method: { id: info.id, ...ours } }]);
        }),
        { numRuns: 40 },
      );
    });

    it("encodes what amqplib decodes", () => {
      fc.assert(
        fc.property(argsFor(info, ourTable), fc.integer({ min: 0, max: 65535 }), ({ theirs, ours }, channel) => {
          const buf = Buffer.alloc(1 << 20);
          const end = writeMethodFrame(buf, 0, channel, { id: info.id, ...ours } as MethodArgs);
          const decoded = amqplibDecode(buf.subarray(0, end));
          expect(decoded.id).toBe(info.id);
          expect(decoded.channel).toBe(channel);
          expect(decoded.fields).toEqual(theirs);
        }),
        { numRuns: 40 },
      );
    });
  });

  const BASIC = PROPERTIES[60]!;
  const theirNames = ["contentType", "contentEncoding", "headers", "deliveryMode", "priority", "correlationId", "replyTo", "expiration", "messageId", "timestamp", "type", "userId", "appId", "clusterId"];

  function propsArb(table: fc.Arbitrary<[unknown, unknown]>) {
    const parts: Record<string, fc.Arbitrary<[unknown, unknown]>> = {};
    for (const p of BASIC) parts[p.name] = p.type === "table" ? table : arbitraryOf(p.type as never).map((v) => [v, v] as [unknown, unknown]);
    return fc.record(parts, { requiredKeys: [] }).map((r) => {
      const theirs: Record<string, unknown> = {};
      const ours: Record<string, unknown> = {};
      BASIC.forEach((p, i) => {
        const v = r[p.name];
        if (v === undefined) return;
        theirs[theirNames[i]!] = v[0];
        ours[p.name] = v[1];
      });
      return { theirs, ours };
    });
  }

  it("decodes the properties amqplib encodes", () => {
    fc.assert(
      fc.property(propsArb(amqplibValue as fc.Arbitrary<[unknown, unknown]>), fc.maxSafeNat(), ({ theirs, ours }, size) => {
        const bytes = defs.encodeProperties(60, 1, size, theirs);
        const r = parseOne(Buffer.concat([defs.encodeMethod(3932200, 1, { exchange: "", routingKey: "", mandatory: false, immediate: false }), bytes]));
        const header = r.events[1];
        expect(header).toMatchObject({ kind: "header", channel: 1, classId: 60, bodySize: size });
        const raw = Buffer.from((header as { properties: string }).properties, "hex");
        const expected: BasicProperties = Object.fromEntries(BASIC.map((p) => [p.name, ours[p.name]]));
        expect(decodeBasicProperties(raw, 0, raw.length)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("encodes properties amqplib decodes", () => {
    fc.assert(
      fc.property(propsArb(ourTable), fc.maxSafeNat(), ({ theirs, ours }, size) => {
        const buf = Buffer.alloc(1 << 20);
        const end = writeHeaderFrame(buf, 0, 7, 60, size, ours as BasicProperties);
        const decoded = amqplibDecode(buf.subarray(0, end));
        expect(decoded.size).toBe(size);
        expect(decoded.id).toBe(60);
        const expected = Object.keys(theirs).length === 0 ? {} : Object.fromEntries(theirNames.map((n) => [n, theirs[n]]));
        expect(decoded.fields).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("agrees on explicitly typed table values", () => {
    const buf = Buffer.alloc(4096);
    const headers = { b: typed("b", -5), s: typed("s", -300), u: typed("u", 60000), i: typed("i", 4e9), f: typed("f", 0.5), l: typed("l", 2n ** 40n) };
    const end = writeHeaderFrame(buf, 0, 1, 60, 0, { headers });
    const decoded = amqplibDecode(buf.subarray(0, end));
    expect(decoded.fields?.headers).toEqual({ b: -5, s: -300, u: 60000, i: 4e9, f: 0.5, l: 2 ** 40 });
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arbitraryOf, normalize } from "../test/arbitraries.js";
import {
  type BasicProperties,
  BasicPropertiesFlag,
  decodeBasicProperties,
  encodeBasicProperties,
  type FieldTable,
  PROPERTIES,
  ProtocolError,
  ReplyCode,
} from "./index.js";

const BASIC = PROPERTIES[60]!;

const ALL_ABSENT: BasicProperties = Object.fromEntries(BASIC.map((p) => [p.name, undefined]));

function roundTrip(p: BasicProperties): BasicProperties {
  const buf = Buffer.alloc(1 << 16);
  const end = encodeBasicProperties(buf, 3, p);
  return decodeBasicProperties(buf, 3, end);
}

describe("basic properties", () => {
  it("are the 14 of the spec, with flag bits 15 down to 2", () => {
    expect(BASIC.map((p) => p.name)).toEqual([
      "contentType",
      "contentEncoding",
      "headers",
      "deliveryMode",
      "priority",
      "correlationId",
      "replyTo",
      "expiration",
      "messageId",
      "timestamp",
      "type",
      "userId",
      "appId",
      "reserved",
    ]);
    expect(BASIC.map((p) => p.flag)).toEqual(BASIC.map((_, i) => 1 << (15 - i)));
    expect(BasicPropertiesFlag.deliveryMode).toBe(0x1000);
  });

  describe.each(BASIC.map((p) => [p.name, p] as const))("%s alone", (name, info) => {
    it("round-trips and sets only its flag", () => {
      fc.assert(
        fc.property(arbitraryOf(info.type as never), (value) => {
          const buf = Buffer.alloc(1 << 16);
          const end = encodeBasicProperties(buf, 0, { [name]: value });
          expect(buf.readUInt16BE(0)).toBe(info.flag);
          const expected = { ...ALL_ABSENT, [name]: info.type === "table" ? normalize(value as FieldTable) : value };
          expect(decodeBasicProperties(buf, 0, end)).toEqual(expected);
        }),
        { numRuns: 40 },
      );
    });
  });

  it("round-trips any set of properties, every key present after decoding", () => {
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const p of BASIC) record[p.name] = arbitraryOf(p.type as never);
    fc.assert(
      fc.property(fc.record(record, { requiredKeys: [] }), (props) => {
        const decoded = roundTrip(props as BasicProperties);
        expect(Object.keys(decoded)).toEqual(BASIC.map((p) => p.name));
        const expected: Record<string, unknown> = { ...ALL_ABSENT };
        for (const [k, v] of Object.entries(props)) expected[k] = k === "headers" ? normalize(v as FieldTable) : v;
        expect(decoded).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("encodes no properties as a zero flags word", () => {
    const buf = Buffer.alloc(4096);
    expect(encodeBasicProperties(buf, 0, {})).toBe(2);
    expect(buf.readUInt16BE(0)).toBe(0);
  });

  it("treats null like absent, as amqplib users write it", () => {
    expect(roundTrip({ contentType: null as never, deliveryMode: 2 })).toEqual({ ...ALL_ABSENT, deliveryMode: 2 });
  });

  it("writes a persistent JSON message byte for byte", () => {
    const buf = Buffer.alloc(4096);
    const end = encodeBasicProperties(buf, 0, { contentType: "application/json", deliveryMode: 2 });
    expect(buf.subarray(0, end).toString("hex")).toBe("9000" + "10" + Buffer.from("application/json").toString("hex") + "02");
  });

  it("refuses unknown flags, short lists and trailing octets with 501", () => {
    const cases = [
      Buffer.from([0x00, 0x02]), // bit 1 is no property
      Buffer.from([0x80, 0x00]), // content-type flagged, absent
      Buffer.from([0x10, 0x00, 0x02, 0xff]), // trailing octet
      Buffer.from([0x00, 0x01, 0x00, 0x04]), // a continuation word with a flag set
      Buffer.from([0x00, 0x01]), // a continuation word promised, absent
      Buffer.from([0x20, 0x00, 0x00, 0x00, 0x00, 0x05, 0x01]), // headers: a truncated table
    ];
    for (const raw of cases) {
      expect(() => decodeBasicProperties(raw, 0, raw.length), raw.toString("hex")).toThrow(
        expect.objectContaining({ name: "ProtocolError", replyCode: ReplyCode.FRAME_ERROR }),
      );
    }
  });

  it("accepts empty continuation words", () => {
    const raw = Buffer.from([0x10, 0x01, 0x00, 0x00, 0x02]);
    expect(decodeBasicProperties(raw, 0, raw.length)).toEqual({ ...ALL_ABSENT, deliveryMode: 2 });
  });

  it("never throws anything but a ProtocolError on garbage", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const b = Buffer.from(bytes);
        try {
          decodeBasicProperties(b, 0, b.length);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

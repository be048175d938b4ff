import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fieldTable, normalize } from "../test/arbitraries.js";
import {
  Decimal,
  decodeFieldArray,
  decodeFieldTable,
  encodeFieldArray,
  encodeFieldTable,
  type FieldTable,
  type FieldValue,
  fieldTableSize,
  ProtocolError,
  ReplyCode,
  typed,
} from "./index.js";

function encode(t: FieldTable): Buffer {
  const buf = Buffer.alloc(1 << 20);
  const end = encodeFieldTable(buf, 0, t);
  return buf.subarray(0, end);
}

function decode(b: Buffer): FieldTable {
  return decodeFieldTable(b, 4, b.length);
}

/** The octets of one value `v` under key "k". */
function valueBytes(v: FieldValue): string {
  return encode({ k: v }).subarray(6).toString("hex");
}

describe("field tables", () => {
  it("round-trip any table of any value type", () => {
    fc.assert(
      fc.property(fieldTable, (t) => {
        const bytes = encode(t);
        expect(bytes.readUInt32BE(0)).toBe(bytes.length - 4);
        expect(fieldTableSize(t)).toBe(bytes.length);
        expect(decode(bytes)).toEqual(normalize(t));
      }),
      { numRuns: 1000 },
    );
  });

  it("re-encode what they decode to the same octets", () => {
    fc.assert(
      fc.property(fieldTable, (t) => {
        const once = encode(normalize(t) as FieldTable);
        expect(encode(decode(once))).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  it("choose integer tags by exact range", () => {
    expect(valueBytes(0)).toBe("4900000000");
    expect(valueBytes(-0x80000000)).toBe("4980000000");
    expect(valueBytes(0x7fffffff)).toBe("497fffffff");
    expect(valueBytes(0x80000000)).toBe("6c0000000080000000");
    expect(valueBytes(-0x80000001)).toBe("6cffffffff7fffffff");
    expect(valueBytes(Number.MAX_SAFE_INTEGER)).toBe("6c001fffffffffffff");
    expect(valueBytes(2 ** 53)).toBe("644340000000000000"); // beyond exact integers: a double
    expect(valueBytes(1.5)).toBe("643ff8000000000000");
    expect(valueBytes(2n ** 63n - 1n)).toBe("6c7fffffffffffffff");
    expect(() => valueBytes(2n ** 63n)).toThrow(RangeError);
  });

  it("encode every tag RabbitMQ uses, byte for byte", () => {
    expect(valueBytes(true)).toBe("7401");
    expect(valueBytes(false)).toBe("7400");
    expect(valueBytes(typed("b", -1))).toBe("62ff");
    expect(valueBytes(typed("B", 255))).toBe("42ff");
    expect(valueBytes(typed("s", -2))).toBe("73fffe");
    expect(valueBytes(typed("u", 65535))).toBe("75ffff");
    expect(valueBytes(typed("I", -1))).toBe("49ffffffff");
    expect(valueBytes(typed("i", 0xffffffff))).toBe("69ffffffff");
    expect(valueBytes(typed("l", -1))).toBe("6cffffffffffffffff");
    expect(valueBytes(typed("f", 1.5))).toBe("663fc00000");
    expect(valueBytes(typed("d", 1))).toBe("643ff0000000000000");
    expect(valueBytes(new Decimal(2, 12345))).toBe("440200003039");
    expect(valueBytes("hé")).toBe("5300000003" + "68c3a9");
    expect(valueBytes(Buffer.from([1, 2]))).toBe("78000000020102");
    expect(valueBytes(new Date(1_700_000_000_500))).toBe("54000000006553f100");
    expect(valueBytes(null)).toBe("56");
    expect(valueBytes([1, "a"])).toBe("41" + "0000000b" + "4900000001" + "530000000161");
    expect(valueBytes({ x: true })).toBe("46" + "00000004" + "0178" + "7401");
    expect(() => valueBytes(typed("B", 256))).toThrow(RangeError);
  });

  it("decode every tag, signed where RabbitMQ says so", () => {
    const entries: [string, string, unknown][] = [
      ["t", "01", true],
      ["b", "80", -128],
      ["B", "80", 128],
      ["s", "8000", -32768],
      ["u", "8000", 32768],
      ["I", "80000000", -0x80000000],
      ["i", "80000000", 0x80000000],
      ["l", "ffffffffffffffff", -1],
      ["L", "ffffffffffffffff", -1],
      ["l", "8000000000000000", -(2n ** 63n)],
      ["l", "0020000000000000", 2n ** 53n],
      ["l", "001fffffffffffff", Number.MAX_SAFE_INTEGER],
      ["f", "3fc00000", 1.5],
      ["d", "3ff8000000000000", 1.5],
      ["D", "0200003039", new Decimal(2, 12345)],
      ["S", "0000000268c3", "h\ufffd"], // invalid UTF-8 is replaced, not thrown
      ["x", "00000001ff", Buffer.from([0xff])],
      ["T", "000000006553f100", new Date(1_700_000_000_000)],
      ["V", "", null],
      ["A", "000000027400", [false]],
      ["F", "00000000", {}],
    ];
    for (const [tag, hex, value] of entries) {
      const entry = Buffer.concat([Buffer.from([1, 0x6b, tag.charCodeAt(0)]), Buffer.from(hex, "hex")]);
      expect(decodeFieldTable(entry, 0, entry.length), tag).toEqual({ k: value });
    }
  });

  it("leave undefined keys out and keep a __proto__ key as data", () => {
    const t: FieldTable = { a: 1, b: undefined };
    expect(decode(encode(t))).toEqual({ a: 1 });
    const evil = Buffer.from("0000000c" + "095f5f70726f746f5f5f" + "56", "hex");
    const decoded = decode(evil);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(["__proto__"]);
  });

  it("round-trip arrays", () => {
    const buf = Buffer.alloc(256);
    const end = encodeFieldArray(buf, 0, [1, "x", null, [true]]);
    expect(decodeFieldArray(buf, 4, end)).toEqual([1, "x", null, [true]]);
  });

  it("refuse malformed input with 501 FRAME_ERROR", () => {
    const bad = [
      "05", // key longer than the table
      "016b", // key without a tag
      "016b7a", // unknown tag
      "016b49000000", // truncated int
      "016b53000000ff41", // string longer than the table
      "016b4100000005490000", // array longer than the table
    ];
    for (const hex of bad) {
      const b = Buffer.from(hex, "hex");
      expect(() => decodeFieldTable(b, 0, b.length), hex).toThrow(expect.objectContaining({ replyCode: ReplyCode.FRAME_ERROR }));
    }
  });

  it("refuse tables nested deeper than 64 levels instead of overflowing the stack", () => {
    let t: FieldTable = {};
    for (let i = 0; i < 200; i++) t = { n: t };
    const bytes = encode(t);
    expect(() => decode(bytes)).toThrow(ProtocolError);
    let ok: FieldTable = {};
    for (let i = 0; i < 60; i++) ok = { n: ok };
    expect(decode(encode(ok))).toEqual(ok);
  });

  it("throw only ProtocolErrors on random garbage", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const b = Buffer.from(bytes);
        try {
          decodeFieldTable(b, 0, b.length);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("refuse to write past the end of the buffer", () => {
    const buf = Buffer.alloc(20);
    expect(() => encodeFieldTable(buf, 0, { long: "x".repeat(30) })).toThrow(RangeError);
    expect(() => encodeFieldTable(buf, 0, { k: Buffer.alloc(30) })).toThrow(RangeError);
  });
});

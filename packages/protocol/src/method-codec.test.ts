import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arbitraryOf, normalize } from "../test/arbitraries.js";
import {
  decodeMethod,
  encodeMethod,
  type FieldTable,
  METHODS,
  type MethodArgs,
  MethodId,
  methodHasContent,
  methodIsSynchronous,
  methodName,
  ProtocolError,
  ReplyCode,
} from "./index.js";

const spec = readFileSync(new URL("../../../spec/amqp0-9-1.extended.xml", import.meta.url), "utf8");

/** Every `class.method` of the spec, read with a regex, independently of the generator. */
function specMethods(): string[] {
  const names: string[] = [];
  for (const cls of spec.matchAll(/<class\s+name\s*=\s*"([^"]+)"[\s\S]*?<\/class>/g)) {
    for (const m of cls[0].matchAll(/<method\s+name\s*=\s*"([^"]+)"/g)) names.push(`${cls[1]}.${m[1]}`);
  }
  return names;
}

function argsOf(info: (typeof METHODS)[number]): fc.Arbitrary<Record<string, unknown>> {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of info.fields) record[f.name] = arbitraryOf(f.type);
  return fc.record(record);
}

function expected(info: (typeof METHODS)[number], args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { id: info.id };
  for (const f of info.fields) out[f.name] = f.type === "table" ? normalize(args[f.name] as FieldTable) : args[f.name];
  return out;
}

describe("generated method codec", () => {
  it("covers every method of the spec", () => {
    const names = specMethods();
    expect(names.length).toBe(64);
    expect(METHODS.map((m) => m.name)).toEqual(names);
  });

  describe.each(METHODS.map((m) => [m.name, m] as const))("%s", (_name, info) => {
    it("round-trips random arguments", () => {
      const buf = Buffer.alloc(1 << 20);
      fc.assert(
        fc.property(argsOf(info), fc.nat(64), (args, at) => {
          const end = encodeMethod(buf, at, { id: info.id, ...args } as MethodArgs);
          expect(decodeMethod(buf, at, end)).toEqual(expected(info, args));
        }),
        { numRuns: 60 },
      );
    });

    it("refuses every truncation with 501 FRAME_ERROR", () => {
      const buf = Buffer.alloc(1 << 20);
      fc.assert(
        fc.property(argsOf(info), (args) => {
          const end = encodeMethod(buf, 0, { id: info.id, ...args } as MethodArgs);
          for (let cut = 0; cut < end; cut++) {
            let error: unknown;
            try {
              decodeMethod(buf, 0, cut);
            } catch (e) {
              error = e;
            }
            // A cut inside a table may still leave a decodable prefix only if the method has no
            // further fields; every other cut must be refused.
            expect(error).toBeInstanceOf(ProtocolError);
            expect((error as ProtocolError).replyCode).toBe(ReplyCode.FRAME_ERROR);
          }
        }),
        { numRuns: 5 },
      );
    });

    it("refuses trailing octets with 501 FRAME_ERROR", () => {
      const buf = Buffer.alloc(1 << 20);
      const args = fc.sample(argsOf(info), { numRuns: 1, seed: 42 })[0]!;
      const end = encodeMethod(buf, 0, { id: info.id, ...args } as MethodArgs);
      expect(() => decodeMethod(buf, 0, end + 1)).toThrow(
        expect.objectContaining({ replyCode: ReplyCode.FRAME_ERROR, classId: info.classId, methodId: info.methodId }),
      );
    });
  });

  it("packs bits into octets, first bit lowest, as the spec says", () => {
    const buf = Buffer.alloc(1024);
    const end = encodeMethod(buf, 0, {
      id: MethodId.QueueDeclare,
      queue: "q",
      passive: true,
      durable: false,
      exclusive: true,
      autoDelete: false,
      noWait: true,
    });
    // class 50, method 10, reserved-1 (short), "q", bits, empty table
    expect(buf.subarray(0, end)).toEqual(Buffer.from([0, 50, 0, 10, 0, 0, 1, 0x71, 0b10101, 0, 0, 0, 0]));
  });

  it("writes basic.publish byte for byte", () => {
    const buf = Buffer.alloc(1024);
    const end = encodeMethod(buf, 0, { id: MethodId.BasicPublish, exchange: "ex", routingKey: "rk", mandatory: true, immediate: false });
    expect(buf.subarray(0, end).toString("hex")).toBe("003c0028" + "0000" + "02" + "6578" + "02" + "726b" + "01");
  });

  it("answers an unknown method id with 540 NOT_IMPLEMENTED", () => {
    const buf = Buffer.from([0, 60, 0, 99]);
    expect(() => decodeMethod(buf, 0, 4)).toThrow(expect.objectContaining({ replyCode: ReplyCode.NOT_IMPLEMENTED, classId: 60, methodId: 99 }));
  });

  it("refuses a delivery tag above 2^53-1 rather than rounding it", () => {
    const buf = Buffer.from("003c0050" + "0020000000000000" + "00", "hex");
    expect(() => decodeMethod(buf, 0, buf.length)).toThrow(ProtocolError);
    const ok = Buffer.from("003c0050" + "001fffffffffffff" + "01", "hex");
    expect(decodeMethod(ok, 0, ok.length)).toEqual({ id: MethodId.BasicAck, deliveryTag: Number.MAX_SAFE_INTEGER, multiple: true });
  });

  it("refuses to encode a shortstr longer than 255 octets", () => {
    const buf = Buffer.alloc(4096);
    expect(() => encodeMethod(buf, 0, { id: MethodId.QueueDelete, queue: "é".repeat(128), ifUnused: false, ifEmpty: false, noWait: false })).toThrow(RangeError);
    expect(() => encodeMethod(buf, 0, { id: MethodId.QueueDelete, queue: "x".repeat(256), ifUnused: false, ifEmpty: false, noWait: false })).toThrow(RangeError);
    const end = encodeMethod(buf, 0, { id: MethodId.QueueDelete, queue: "x".repeat(255), ifUnused: false, ifEmpty: false, noWait: false });
    expect(end).toBe(4 + 2 + 256 + 1);
  });

  it("refuses to write past the end of the caller's buffer", () => {
    const buf = Buffer.alloc(100);
    expect(() => encodeMethod(buf, 0, { id: MethodId.BasicPublish, exchange: "", routingKey: "k", mandatory: false, immediate: false })).toThrow(RangeError);
  });

  it("knows which methods carry content, are synchronous and what answers them", () => {
    const content = METHODS.filter((m) => methodHasContent(m.id)).map((m) => m.name);
    expect(content).toEqual(["basic.publish", "basic.return", "basic.deliver", "basic.get-ok"]);
    expect(methodIsSynchronous(MethodId.QueueDeclare)).toBe(true);
    expect(methodIsSynchronous(MethodId.BasicPublish)).toBe(false);
    const get = METHODS.find((m) => m.id === MethodId.BasicGet)!;
    expect(get.responses).toEqual([MethodId.BasicGetOk, MethodId.BasicGetEmpty]);
    expect(methodName(MethodId.ConfirmSelectOk)).toBe("confirm.select-ok");
  });
});

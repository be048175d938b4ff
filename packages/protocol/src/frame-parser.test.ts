import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arbitraryOf } from "../test/arbitraries.js";
import { rawFrame, Recorder } from "../test/frames.js";
import {
  type BasicProperties,
  FrameParser,
  FrameWriter,
  METHODS,
  type MethodArgs,
  MethodId,
  PROPERTIES,
  PROTOCOL_HEADER,
  ProtocolError,
  ReplyCode,
} from "./index.js";

const NON_CONTENT = METHODS.filter((m) => !m.content);

const method: fc.Arbitrary<MethodArgs> = fc
  .constantFrom(...NON_CONTENT)
  .chain((info) => {
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of info.fields) record[f.name] = arbitraryOf(f.type);
    return fc.record(record).map((args) => ({ id: info.id, ...args }) as MethodArgs);
  });

const properties: fc.Arbitrary<BasicProperties> = (() => {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const p of PROPERTIES[60]!) record[p.name] = arbitraryOf(p.type as never);
  return fc.record(record, { requiredKeys: [] }) as fc.Arbitrary<BasicProperties>;
})();

type Step =
  | { kind: "method"; channel: number; method: MethodArgs }
  | { kind: "message"; channel: number; properties: BasicProperties; body: Uint8Array }
  | { kind: "heartbeat" };

const channel = fc.integer({ min: 1, max: 40 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("method" as const), channel: fc.integer({ min: 0, max: 40 }), method }),
  fc.record({ kind: fc.constant("message" as const), channel, properties, body: fc.uint8Array({ maxLength: 3000 }) }),
  fc.constant({ kind: "heartbeat" as const }),
);

/** A valid client byte stream: protocol header, then the steps, written at `frameMax`. */
function stream(steps: Step[], frameMax: number): Buffer {
  const w = new FrameWriter({ frameMax, bufferSize: 256 });
  w.protocolHeader();
  for (const s of steps) {
    if (s.kind === "method") w.method(s.channel, s.method);
    else if (s.kind === "heartbeat") w.heartbeat();
    else w.content(s.channel, { id: MethodId.BasicPublish, exchange: "x", routingKey: "k", mandatory: false, immediate: false }, s.properties, s.body);
  }
  return w.take();
}

/**
 * Whether every frame of a stream (after its protocol header) fits `frameMax`: the writer splits
 * bodies, but a method or content header with big tables can exceed a small frame_max, and such a
 * stream is not valid input for these properties.
 */
function framesFit(b: Buffer, frameMax: number): boolean {
  for (let o = 8; o + 7 <= b.length; o += 8 + b.readUInt32BE(o + 3)) {
    if (frameMax !== 0 && 8 + b.readUInt32BE(o + 3) > frameMax) return false;
  }
  return true;
}

function parseAll(chunks: Buffer[], frameMax: number): Recorder {
  const r = new Recorder();
  const p = new FrameParser(r, { frameMax, protocolHeader: true });
  for (const c of chunks) p.push(c);
  expect(p.idle).toBe(true);
  return r;
}

/** Cuts `b` at the given (sorted, deduplicated) offsets. */
function split(b: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...at, b.length]) {
    out.push(Buffer.from(b.subarray(prev, c))); // a fresh Buffer per chunk, as a socket gives
    prev = c;
  }
  return out;
}

describe("FrameParser", () => {
  it("yields the same frames whatever the split of the stream into chunks", () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 12 }),
        fc.constantFrom(4096, 8192, 131072),
        fc.array(fc.nat(), { maxLength: 40 }),
        (steps, frameMax, cuts) => {
          const bytes = stream(steps, frameMax);
          fc.pre(framesFit(bytes, frameMax));
          const whole = parseAll([bytes], frameMax).events;
          expect(parseAll(split(bytes, cuts), frameMax).events).toEqual(whole);
          expect(whole.filter((e) => e.kind === "heartbeat").length).toBe(steps.filter((s) => s.kind === "heartbeat").length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("held after any frame and resumed later, yields the same frames in the same order, chunks pushed meanwhile included", () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        (steps, cuts, every) => {
          const bytes = stream(steps, 131072);
          const whole = parseAll([bytes], 131072).events;
          const r = new Recorder();
          const p = new FrameParser(r, { frameMax: 131072, protocolHeader: true });
          // the handler holds after every `every`-th frame; the test resumes once per chunk pushed
          let frames = 0;
          const holdSometimes = () => {
            if (++frames % every === 0) p.hold();
          };
          const onMethod = r.onMethod.bind(r);
          const onBody = r.onBody.bind(r);
          r.onMethod = (c, m) => (onMethod(c, m), holdSometimes());
          r.onBody = (c, b) => (onBody(c, b), holdSometimes());
          let resumes = 0;
          for (const c of split(bytes, cuts)) {
            p.push(c);
            if (p.holding && resumes++ % 2 === 0) p.resume();
          }
          while (p.holding) p.resume();
          expect(r.events).toEqual(whole);
          expect(p.idle).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("survives a stream fed one octet at a time", () => {
    const steps = fc.sample(fc.array(step, { minLength: 5, maxLength: 10 }), { numRuns: 1, seed: 7 })[0]!;
    const bytes = stream(steps, 4096);
    const whole = parseAll([bytes], 4096).events;
    expect(parseAll(split(bytes, [...Array(bytes.length).keys()]), 4096).events).toEqual(whole);
  });

  it("gives bodies as slices of the input chunk, not copies", () => {
    const body = Buffer.alloc(1000, 7);
    const w = new FrameWriter();
    w.content(1, { id: MethodId.BasicPublish, exchange: "", routingKey: "q", mandatory: false, immediate: false }, {}, body);
    const chunk = w.take();
    const r = new Recorder();
    new FrameParser(r, { frameMax: 131072 }).push(chunk);
    expect(r.bodies[0]!.buffer).toBe(chunk.buffer);
    expect(r.bodies[0]).toEqual(body);
  });

  it("passes the protocol header on, even split", () => {
    const r = new Recorder();
    const p = new FrameParser(r, { protocolHeader: true });
    p.push(PROTOCOL_HEADER.subarray(0, 3));
    p.push(Buffer.concat([PROTOCOL_HEADER.subarray(3), rawFrame(8, 0, "")]));
    expect(r.events).toEqual([{ kind: "protocol-header", header: "414d515000000901" }, { kind: "heartbeat" }]);
  });

  const cases: [string, Buffer[], number][] = [
    ["a bad frame-end octet", [rawFrame(8, 0, "", 0x00)], ReplyCode.FRAME_ERROR],
    ["a bad frame-end octet in a split frame", [rawFrame(8, 0, "", 0xcd).subarray(0, 3), rawFrame(8, 0, "", 0xcd).subarray(3)], ReplyCode.FRAME_ERROR],
    ["an unknown frame type", [rawFrame(9, 0, "")], ReplyCode.FRAME_ERROR],
    ["a frame above frame_max", [rawFrame(3, 1, Buffer.alloc(5000))], ReplyCode.FRAME_ERROR],
    ["a frame above frame_max, seen from its first 7 octets", [rawFrame(3, 1, Buffer.alloc(5000)).subarray(0, 7)], ReplyCode.FRAME_ERROR],
    ["a method frame shorter than 4 octets", [rawFrame(1, 1, "003c")], ReplyCode.FRAME_ERROR],
    ["an unknown method", [rawFrame(1, 1, "003c00ff")], ReplyCode.NOT_IMPLEMENTED],
    ["truncated method arguments", [rawFrame(1, 1, "0014000a")], ReplyCode.FRAME_ERROR],
    ["a header frame on channel 0", [rawFrame(2, 0, "003c00000000000000000000" + "0000")], ReplyCode.UNEXPECTED_FRAME],
    ["a header frame without a content method", [rawFrame(2, 1, "003c00000000000000000000" + "0000")], ReplyCode.UNEXPECTED_FRAME],
    ["a body frame without a content method", [rawFrame(3, 1, "00")], ReplyCode.UNEXPECTED_FRAME],
    ["a body frame on channel 0", [rawFrame(3, 0, "00")], ReplyCode.UNEXPECTED_FRAME],
    ["a heartbeat on channel 1", [rawFrame(8, 1, "")], ReplyCode.UNEXPECTED_FRAME],
    ["a heartbeat with a payload", [rawFrame(8, 0, "00")], ReplyCode.FRAME_ERROR],
  ];
  /** A copy of frame `f` on channel `ch`. */
  const on = (ch: number, f: Buffer) => {
    const c = Buffer.from(f);
    c.writeUInt16BE(ch, 1);
    return c;
  };
  const publish = rawFrame(1, 1, "003c0028" + "0000" + "00" + "01" + "71" + "00");
  const header = (classId: string, size: string, weight = "0000") => rawFrame(2, 1, classId + weight + size + "0000");
  cases.push(
    ["a method frame where a header was expected", [publish, publish], ReplyCode.UNEXPECTED_FRAME],
    ["a header of another class", [publish, header("0032", "0000000000000001")], ReplyCode.UNEXPECTED_FRAME],
    ["a header with a non-zero weight", [publish, header("003c", "0000000000000001", "0001")], ReplyCode.UNEXPECTED_FRAME],
    ["a header frame shorter than 14 octets", [publish, rawFrame(2, 1, "003c0000000000000000")], ReplyCode.FRAME_ERROR],
    ["a method frame where a body was expected", [publish, header("003c", "0000000000000002"), publish], ReplyCode.UNEXPECTED_FRAME],
    ["a body beyond the body size", [publish, header("003c", "0000000000000002"), rawFrame(3, 1, "010203")], ReplyCode.FRAME_ERROR],
    ["a body size above 2^53", [publish, header("003c", "0020000000000000")], ReplyCode.FRAME_ERROR],
  );

  it.each(cases)("answers %s with the code RabbitMQ uses", (_name, chunks, code) => {
    const p = new FrameParser(new Recorder(), { frameMax: 4096 });
    let error: unknown;
    try {
      for (const c of chunks) p.push(c);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).replyCode).toBe(code);
  });

  it("accepts a complete message, then a method, on the same channel", () => {
    const r = new Recorder();
    const p = new FrameParser(r, { frameMax: 4096 });
    p.push(Buffer.concat([publish, header("003c", "0000000000000002"), rawFrame(3, 1, "01"), rawFrame(3, 1, "02"), publish, header("003c", "0000000000000000"), publish]));
    expect(r.events.map((e) => e.kind)).toEqual(["method", "header", "body", "body", "method", "header", "method"]);
  });

  it("keeps content sequencing per channel, interleaved", () => {
    const r = new Recorder();
    const p = new FrameParser(r, { frameMax: 4096 });
    p.push(Buffer.concat([on(1, publish), on(300, publish), on(300, header("003c", "0000000000000001")), on(1, header("003c", "0000000000000000")), on(300, rawFrame(3, 0, "ff"))]));
    expect(r.events.map((e) => e.kind === "method" || e.kind === "header" || e.kind === "body" ? `${e.kind}@${e.channel}` : e.kind)).toEqual([
      "method@1",
      "method@300",
      "header@300",
      "header@1",
      "body@300",
    ]);
  });

  it("sequences content on channel 65535 too, and refuses a body there without a publish", () => {
    const r = new Recorder();
    const p = new FrameParser(r, { frameMax: 4096 });
    for (let i = 0; i < 3; i++) p.push(Buffer.concat([on(65535, publish), on(65535, header("003c", "0000000000000001")), on(65535, rawFrame(3, 0, "ff"))]));
    expect(r.events.filter((e) => e.kind === "body").length).toBe(3);
    expect(() => p.push(on(65534, rawFrame(3, 0, "ff")))).toThrow(expect.objectContaining({ replyCode: ReplyCode.UNEXPECTED_FRAME }));
  });

  it("takes the negotiated frame_max, 0 meaning no limit", () => {
    const big = Buffer.concat([publish, header("003c", "0000000000030000"), rawFrame(3, 1, Buffer.alloc(0x30000))]);
    const p = new FrameParser(new Recorder());
    expect(() => p.push(big)).toThrow(ProtocolError);
    const q = new FrameParser(new Recorder(), { frameMax: 4096 });
    q.frameMax = 0;
    q.push(big);
    expect(q.idle).toBe(true);
  });

  it("throws nothing but ProtocolErrors on random garbage, with or without a valid start", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(step, { maxLength: 3 }), fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 5 }), (header, steps, garbage, cuts) => {
        const valid = stream(steps, 4096);
        const bytes = Buffer.concat([header ? valid : valid.subarray(8), Buffer.from(garbage)]);
        const p = new FrameParser(new Recorder(), { frameMax: 4096, protocolHeader: header });
        try {
          for (const c of split(bytes, cuts)) p.push(c);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("throws nothing but ProtocolErrors on frames with random payloads", () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 3, 8), fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 300 }), (type, ch, payload) => {
        const p = new FrameParser(new Recorder(), { frameMax: 4096 });
        try {
          p.push(Buffer.concat([publish, rawFrame(type, ch, Buffer.from(payload))]));
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

import { describe, expect, it } from "vitest";
import { Recorder } from "../test/frames.js";
import {
  bodyFramesSize,
  encodeBasicProperties,
  FrameParser,
  FrameWriter,
  HEARTBEAT_FRAME,
  MethodId,
  PROTOCOL_HEADER,
  writeBodyFrame,
  writeHeaderFrame,
  writeMethodFrame,
  writeRawHeaderFrame,
} from "./index.js";

const deliver = {
  id: MethodId.BasicDeliver,
  consumerTag: "ctag",
  deliveryTag: 1,
  redelivered: false,
  exchange: "",
  routingKey: "q",
} as const;

/** Splits a buffer of frames into [type, channel, payload length] triples. */
function frames(b: Buffer): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let o = 0; o < b.length; ) {
    const size = b.readUInt32BE(o + 3);
    expect(b[o + 7 + size]).toBe(0xce);
    out.push([b[o]!, b.readUInt16BE(o + 1), size]);
    o += 8 + size;
  }
  return out;
}

describe("frame writers", () => {
  it("write the protocol header and heartbeats", () => {
    expect(PROTOCOL_HEADER.toString("latin1")).toBe("AMQP\x00\x00\x09\x01");
    expect(HEARTBEAT_FRAME).toEqual(Buffer.from([8, 0, 0, 0, 0, 0, 0, 0xce]));
    const w = new FrameWriter();
    w.protocolHeader();
    w.heartbeat();
    expect(w.take()).toEqual(Buffer.concat([PROTOCOL_HEADER, HEARTBEAT_FRAME]));
  });

  it("write a method frame byte for byte", () => {
    const b = Buffer.alloc(1024);
    const end = writeMethodFrame(b, 0, 5, { id: MethodId.BasicAck, deliveryTag: 258, multiple: true });
    expect(b.subarray(0, end).toString("hex")).toBe("01" + "0005" + "0000000d" + "003c0050" + "0000000000000102" + "01" + "ce");
  });

  it("write a content header with encoded or raw properties alike", () => {
    const a = Buffer.alloc(4096);
    const endA = writeHeaderFrame(a, 0, 1, 60, 300, { deliveryMode: 2, contentType: "text/plain" });
    const props = Buffer.alloc(4096);
    const n = encodeBasicProperties(props, 0, { deliveryMode: 2, contentType: "text/plain" });
    const b = Buffer.alloc(4096);
    const endB = writeRawHeaderFrame(b, 0, 1, 60, 300, props.subarray(0, n));
    expect(b.subarray(0, endB)).toEqual(a.subarray(0, endA));
    expect(a.subarray(0, 19).toString("hex")).toBe("02" + "0001" + a.readUInt32BE(3).toString(16).padStart(8, "0") + "003c" + "0000" + "000000000000012c");
  });

  it("write a body frame from part of a body", () => {
    const b = Buffer.alloc(64);
    const end = writeBodyFrame(b, 0, 2, Buffer.from("hello world"), 6, 11);
    expect(b.subarray(0, end).toString("hex")).toBe("03" + "0002" + "00000005" + Buffer.from("world").toString("hex") + "ce");
  });

  it("split bodies so that no frame exceeds frame_max", () => {
    const w = new FrameWriter({ frameMax: 4096 });
    w.body(1, Buffer.alloc(10000, 1));
    const out = w.take();
    expect(frames(out)).toEqual([
      [3, 1, 4088],
      [3, 1, 4088],
      [3, 1, 1824],
    ]);
    expect(out.length).toBe(bodyFramesSize(10000, 4096));
    expect(bodyFramesSize(0, 4096)).toBe(0);
    expect(bodyFramesSize(4088, 4096)).toBe(4096);
    expect(bodyFramesSize(4089, 4096)).toBe(4089 + 16);
  });

  it("writes no body frame for an empty body, and one frame when frame_max is 0", () => {
    const w = new FrameWriter({ frameMax: 0 });
    w.body(1, Buffer.alloc(0));
    expect(w.length).toBe(0);
    w.body(1, Buffer.alloc(300000));
    expect(frames(w.take())).toEqual([[3, 1, 300000]]);
  });

  it("write a whole delivery into one buffer, readable by the parser", () => {
    const w = new FrameWriter({ frameMax: 4096 });
    const body = Buffer.alloc(5000, 9);
    w.content(3, deliver, { messageId: "m1" }, body);
    const out = w.take();
    expect(frames(out).map(([t, , ]) => t)).toEqual([1, 2, 3, 3]);
    const r = new Recorder();
    new FrameParser(r, { frameMax: 4096 }).push(out);
    expect(r.events[0]).toEqual({ kind: "method", channel: 3, method: deliver });
    expect(r.events[1]).toMatchObject({ kind: "header", channel: 3, classId: 60, bodySize: 5000 });
    expect(Buffer.concat(r.bodies)).toEqual(body);
  });

  it("keep taken frames intact while writing on, and grow for big frames", () => {
    const w = new FrameWriter({ bufferSize: 512 });
    w.method(1, { id: MethodId.BasicAck, deliveryTag: 1, multiple: false });
    const first = w.take();
    const copy = Buffer.from(first);
    for (let i = 0; i < 100; i++) w.content(1, { ...deliver, deliveryTag: i + 2 }, {}, Buffer.alloc(100, i));
    w.method(0, {
      id: MethodId.ConnectionStart,
      versionMajor: 0,
      versionMinor: 9,
      serverProperties: { product: "x".repeat(20000) },
      mechanisms: Buffer.from("PLAIN"),
      locales: Buffer.from("en_US"),
    });
    const rest = w.take();
    expect(first).toEqual(copy);
    const r = new Recorder();
    const p = new FrameParser(r, { frameMax: 0 });
    p.push(first);
    p.push(rest);
    expect(r.events.filter((e) => e.kind === "method").length).toBe(102);
    expect(w.length).toBe(0);
  });
});

describe("FrameWriter with referenced bodies (referenceBodiesFrom)", () => {
  /** The same content through a copying writer and a referencing one. */
  function both(frameMax: number, sizes: number[]): { copied: Buffer; chunks: Buffer[]; bodies: Buffer[]; length: number } {
    const copying = new FrameWriter({ frameMax, bufferSize: 256 });
    const referencing = new FrameWriter({ frameMax, bufferSize: 256, referenceBodiesFrom: 1000 });
    const bodies = sizes.map((n, i) => Buffer.alloc(n, i + 1));
    for (const [i, body] of bodies.entries()) {
      for (const w of [copying, referencing]) w.content(1, { ...deliver, deliveryTag: i + 1 }, Buffer.from([0x10, 0x00, 2]), body);
    }
    const length = referencing.length;
    return { copied: copying.take(), chunks: referencing.takeChunks(), bodies, length };
  }

  it("write the same octets as a copying writer, in pieces that point at the bodies", () => {
    for (const frameMax of [0, 4096, 131072]) {
      const { copied, chunks, bodies, length } = both(frameMax, [10, 999, 1000, 5000, 70_000, 3]);
      expect(Buffer.concat(chunks).equals(copied)).toBe(true);
      expect(length).toBe(copied.length);
      // the bodies from 1000 octets on are not copied: a piece shares their memory
      for (const body of bodies.filter((b) => b.length >= 1000)) expect(chunks.some((c) => c.buffer === body.buffer)).toBe(true);
      for (const body of bodies.filter((b) => b.length < 1000)) expect(chunks.some((c) => c.buffer === body.buffer)).toBe(false);
      expect(frames(Buffer.concat(chunks)).filter(([type]) => type === 3).every(([, , size]) => frameMax === 0 || size <= frameMax - 8)).toBe(true);
    }
  });

  it("take() joins the pieces, and the writer goes on cleanly after either take", () => {
    const w = new FrameWriter({ referenceBodiesFrom: 100 });
    w.body(2, Buffer.alloc(500, 7));
    w.heartbeat();
    const joined = w.take();
    expect(frames(joined)).toEqual([[3, 2, 500], [8, 0, 0]]);
    expect(w.length).toBe(0);
    expect(w.takeChunks()).toEqual([]);
    w.heartbeat();
    expect(w.takeChunks()).toEqual([HEARTBEAT_FRAME]);
  });

  it("frames a random mix of small and big contents exactly as the copying writer does (parser round trip)", () => {
    for (let round = 0; round < 50; round++) {
      const sizes = Array.from({ length: 1 + Math.floor(Math.random() * 8) }, () => Math.floor(Math.random() * (Math.random() < 0.5 ? 2000 : 20_000)));
      const frameMax = [0, 4096, 8192][round % 3]!;
      const { copied, chunks } = both(frameMax, sizes);
      expect(Buffer.concat(chunks).equals(copied)).toBe(true);
      const recorder = new Recorder();
      const parser = new FrameParser(recorder, { frameMax });
      for (const c of chunks) parser.push(c);
      expect(recorder.events.filter((e) => e.kind === "body").length).toBe(sizes.reduce((n, s) => n + (s === 0 ? 0 : frameMax === 0 ? 1 : Math.ceil(s / (frameMax - 8))), 0));
    }
  });
});

import { FrameWriter, MethodId } from "@amqp-go/protocol";
import { describe, expect, it } from "vitest";
import { FrameError, FrameReader, type FrameSink, methodIdAt, readU64 } from "./frames.js";

/** A stream of two deliveries (method, header, body) and a heartbeat, as a broker writes them. */
function stream(bodySize: number): Buffer {
  const w = new FrameWriter({ frameMax: 4096 });
  for (const tag of [7, 2 ** 40 + 3]) {
    const deliver = { id: MethodId.BasicDeliver, consumerTag: "ctag", deliveryTag: tag, redelivered: false, exchange: "", routingKey: "q" } as const;
    w.content(1, deliver, { deliveryMode: 2 }, Buffer.alloc(bodySize, tag & 0xff));
  }
  w.heartbeat();
  return Buffer.from(w.take());
}

/** What a sink sees: one line per frame, and the reads ended. */
function collect(): { sink: FrameSink; frames: string[]; reads: number } {
  const seen = { frames: [] as string[], reads: 0 };
  const sink: FrameSink = {
    onFrame(type, channel, b, start, end) {
      const what = type === 1 ? `method ${methodIdAt(b, start).toString(16)}` : `${end - start} octets`;
      seen.frames.push(`${type}/${channel}: ${what} ${b.subarray(start, end).toString("hex").slice(0, 64)}`);
    },
    onReadEnd() {
      seen.reads++;
    },
  };
  return Object.assign(seen, { sink });
}

describe("FrameReader", () => {
  it("hands over every frame of a read in place, then the end of the read", () => {
    const c = collect();
    new FrameReader(c.sink).push(stream(300));
    expect(c.frames).toHaveLength(7);
    expect(c.frames[0]).toMatch(/^1\/1: method 3c003c /);
    expect(c.frames[1]).toMatch(/^2\/1: /);
    expect(c.frames[2]).toMatch(/^3\/1: 300 octets 0707/);
    expect(c.frames[6]).toMatch(/^8\/0: 0 octets/);
    expect(c.reads).toBe(1);
  });

  it("gives the same frames for a stream split at every octet, and across many reads", () => {
    const whole = stream(5000); // bodies split into two frames at frame_max 4096
    const expected = collect();
    new FrameReader(expected.sink).push(whole);
    for (let at = 1; at < whole.length; at++) {
      const c = collect();
      const reader = new FrameReader(c.sink, 4096);
      reader.push(whole.subarray(0, at));
      reader.push(whole.subarray(at));
      expect(c.frames, `split at ${at}`).toEqual(expected.frames);
    }
    const c = collect();
    const reader = new FrameReader(c.sink, 4096);
    for (let at = 0; at < whole.length; at += 3) reader.push(whole.subarray(at, at + 3));
    expect(c.frames).toEqual(expected.frames);
  });

  it("reads the delivery tag where the raw connection looks for it (after the consumer tag)", () => {
    const tags: number[] = [];
    const reader = new FrameReader({
      onFrame(type, _channel, b, start) {
        if (type === 1 && methodIdAt(b, start) === MethodId.BasicDeliver) tags.push(readU64(b, start + 5 + b[start + 4]!));
      },
      onReadEnd() {},
    });
    reader.push(stream(10));
    expect(tags).toEqual([7, 2 ** 40 + 3]);
  });

  it("refuses a bad frame-end octet and a frame above frame_max", () => {
    const bad = stream(10);
    bad[bad.length - 1] = 0;
    expect(() => new FrameReader(collect().sink).push(bad)).toThrow(FrameError);
    const big = stream(5000);
    const reader = new FrameReader(collect().sink, 1024);
    expect(() => reader.push(big.subarray(0, 2000))).toThrow(/exceeds frame_max 1024/);
  });
});

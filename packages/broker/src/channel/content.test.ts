import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChannelError } from "../errors.js";
import type { Message } from "../message.js";
import { ContentAssembly, type PublishSink } from "./content.js";

function assembly(maxMessageSize = 1 << 20): { content: ContentAssembly; out: { message: Message; mandatory: boolean }[] } {
  const out: { message: Message; mandatory: boolean }[] = [];
  const sink: PublishSink = { published: (message, mandatory) => void out.push({ message, mandatory }) };
  return { content: new ContentAssembly(maxMessageSize, sink), out };
}

/** Property flags with only delivery-mode, and delivery-mode 2. */
const PROPERTIES = Buffer.from([0x10, 0x00, 2]);

describe("ContentAssembly", () => {
  it("keeps a body that comes in one frame as the slice it arrived in", () => {
    const { content, out } = assembly();
    const read = Buffer.from("xxhello worldyy");
    const body = read.subarray(2, 13);
    content.start("amq.direct", "rk", true);
    content.onHeader(body.length, PROPERTIES);
    expect(out).toHaveLength(0);
    content.onBody(body);
    expect(out).toHaveLength(1);
    const { message, mandatory } = out[0]!;
    expect(mandatory).toBe(true);
    expect(message.exchange).toBe("amq.direct");
    expect(message.routingKey).toBe("rk");
    expect(message.rawProperties).toBe(PROPERTIES);
    expect(message.persistent).toBe(true);
    expect(message.body.buffer).toBe(read.buffer);
    expect(message.body.toString()).toBe("hello world");
  });

  it("publishes an empty body at the header, with no body frame", () => {
    const { content, out } = assembly();
    content.start("", "q", false);
    content.onHeader(0, PROPERTIES);
    expect(out).toHaveLength(1);
    expect(out[0]!.message.body.length).toBe(0);
    expect(out[0]!.mandatory).toBe(false);
    // A body frame now belongs to no publish.
    content.onBody(Buffer.from("stray"));
    expect(out).toHaveLength(1);
  });

  it("joins a body split over any number of frames into the bytes sent, once", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 2000 }),
        fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 20 }),
        (bytes, cuts) => {
          const { content, out } = assembly();
          const body = Buffer.from(bytes);
          content.start("", "q", false);
          content.onHeader(body.length, PROPERTIES);
          const points = [...new Set(cuts.map((c) => c % body.length).filter((c) => c > 0))].sort((a, b) => a - b);
          let from = 0;
          for (const p of [...points, body.length]) {
            expect(out).toHaveLength(0);
            content.onBody(body.subarray(from, p));
            from = p;
          }
          expect(out).toHaveLength(1);
          expect(out[0]!.message.body.equals(body)).toBe(true);
        },
      ),
    );
  });

  it("refuses a body over the maximum size with 406 on basic.publish, and drops its frames", () => {
    const { content, out } = assembly(10);
    content.start("", "q", false);
    let error: unknown;
    try {
      content.onHeader(11, PROPERTIES);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChannelError);
    const e = error as ChannelError;
    expect(e.replyCode).toBe(406);
    expect([e.classId, e.methodId]).toEqual([60, 40]);
    expect(e.message).toBe("message size 11 is larger than configured max size 10");
    content.onBody(Buffer.alloc(11));
    expect(out).toHaveLength(0);
    // The largest allowed size goes through.
    content.start("", "q", false);
    content.onHeader(10, PROPERTIES);
    content.onBody(Buffer.alloc(10));
    expect(out).toHaveLength(1);
  });

  it("drops a publish in progress on reset, and ignores content with no basic.publish", () => {
    const { content, out } = assembly();
    content.onHeader(3, PROPERTIES);
    content.onBody(Buffer.from("abc"));
    expect(out).toHaveLength(0);
    content.start("", "q", false);
    content.onHeader(6, PROPERTIES);
    content.onBody(Buffer.from("abc"));
    content.reset();
    content.onBody(Buffer.from("def"));
    expect(out).toHaveLength(0);
    // The next publish starts afresh: nothing of the dropped one is in it.
    content.start("", "q2", false);
    content.onHeader(3, PROPERTIES);
    content.onBody(Buffer.from("ghi"));
    expect(out).toHaveLength(1);
    expect(out[0]!.message.routingKey).toBe("q2");
    expect(out[0]!.message.body.toString()).toBe("ghi");
  });
});

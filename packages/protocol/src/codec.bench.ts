/**
 * `pnpm bench`: our codec against amqplib's, in one run, on the broker's two hot paths.
 *   decode: a socket's worth of basic.publish + content header + 256-byte body frames
 *   encode: basic.deliver + content header + 256-byte body, ready for one socket write
 * Each iteration handles MESSAGES messages: msg/s = hz x MESSAGES.
 */
import { bench, describe } from "vitest";
import { defs, frame } from "../test/amqplib.js";
import {
  type BasicProperties,
  decodeBasicProperties,
  encodeBasicProperties,
  type FrameHandler,
  FrameParser,
  FrameWriter,
  type Method,
  MethodId,
} from "../dist/index.js";

const MESSAGES = 1000;
const BODY = Buffer.alloc(256, 0x61);
const PROPERTIES: BasicProperties = { contentType: "application/json", headers: {}, deliveryMode: 2 };

// A stream of publishes as amqplib sends them, cut into 64 KiB chunks as a socket delivers them.
const stream = (() => {
  const w = new FrameWriter();
  for (let i = 0; i < MESSAGES; i++) {
    w.content(1, { id: MethodId.BasicPublish, exchange: "amq.direct", routingKey: "bench.queue", mandatory: false, immediate: false }, PROPERTIES, BODY);
  }
  return w.take();
})();
const CHUNK = 65536;
const chunks: Buffer[] = [];
for (let o = 0; o < stream.length; o += CHUNK) chunks.push(Buffer.from(stream.subarray(o, o + CHUNK)));

class Counter implements FrameHandler {
  methods = 0;
  bytes = 0;
  decodeProperties = false;
  last: unknown = null;
  onMethod(_channel: number, method: Method): void {
    this.methods++;
    this.last = method;
  }
  onHeader(_channel: number, _classId: number, _bodySize: number, properties: Buffer): void {
    if (this.decodeProperties) this.last = decodeBasicProperties(properties, 0, properties.length);
  }
  onBody(_channel: number, body: Buffer): void {
    this.bytes += body.length;
  }
  onHeartbeat(): void {}
}

function check(n: number): void {
  if (n !== MESSAGES) throw new Error(`decoded ${n} messages, expected ${MESSAGES}`);
}

describe(`decode ${MESSAGES} x (basic.publish + header + 256 B body), 64 KiB chunks`, () => {
  const eager = new Counter();
  eager.decodeProperties = true;
  bench("@amqp-go/protocol (properties decoded)", () => {
    eager.methods = 0;
    const parser = new FrameParser(eager, { frameMax: 131072 });
    for (const c of chunks) parser.push(c);
    check(eager.methods);
  });

  const lazy = new Counter();
  bench("@amqp-go/protocol (properties kept raw, the broker's path)", () => {
    lazy.methods = 0;
    const parser = new FrameParser(lazy, { frameMax: 131072 });
    for (const c of chunks) parser.push(c);
    check(lazy.methods);
  });

  bench("amqplib 2.3.1 (parseFrame + decodeFrame)", () => {
    let methods = 0;
    let rest: Buffer | null = null;
    for (const c of chunks) {
      // amqplib's connection concatenates the leftover of the previous chunk with the next one.
      let buf: Buffer = rest === null ? c : Buffer.concat([rest, c]);
      for (;;) {
        const f = frame.parseFrame(buf, 131072);
        if (f === false) break;
        const decoded = frame.decodeFrame(f);
        if (decoded.id === MethodId.BasicPublish) methods++;
        buf = f.rest;
      }
      rest = buf.length > 0 ? buf : null;
    }
    check(methods);
  });
});

const deliver = {
  id: MethodId.BasicDeliver,
  consumerTag: "amq.ctag-Xyz0123456789abcdefghij",
  deliveryTag: 1,
  redelivered: false,
  exchange: "amq.direct",
  routingKey: "bench.queue",
} as const;
const rawProperties = (() => {
  const b = Buffer.alloc(4096);
  return Buffer.from(b.subarray(0, encodeBasicProperties(b, 0, PROPERTIES)));
})();

describe(`encode ${MESSAGES} x (basic.deliver + header + 256 B body) for one socket write`, () => {
  const writer = new FrameWriter({ bufferSize: 1 << 20 });
  bench("@amqp-go/protocol (properties encoded)", () => {
    for (let i = 1; i <= MESSAGES; i++) {
      writer.content(1, { ...deliver, deliveryTag: i }, PROPERTIES, BODY);
    }
    if (writer.take().length === 0) throw new Error("nothing written");
  });

  const raw = new FrameWriter({ bufferSize: 1 << 20 });
  bench("@amqp-go/protocol (raw properties passed on, the broker's path)", () => {
    for (let i = 1; i <= MESSAGES; i++) {
      raw.content(1, { ...deliver, deliveryTag: i }, rawProperties, BODY);
    }
    if (raw.take().length === 0) throw new Error("nothing written");
  });

  bench("amqplib 2.3.1 (encodeMethod + encodeProperties + makeBodyFrame)", () => {
    const out: Buffer[] = [];
    for (let i = 1; i <= MESSAGES; i++) {
      out.push(defs.encodeMethod(MethodId.BasicDeliver, 1, { ...deliver, deliveryTag: i }));
      out.push(defs.encodeProperties(60, 1, BODY.length, { ...PROPERTIES }));
      out.push(frame.makeBodyFrame(1, BODY));
    }
    if (Buffer.concat(out).length === 0) throw new Error("nothing written");
  });
});

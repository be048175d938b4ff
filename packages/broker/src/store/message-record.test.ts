import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Message } from "../message.js";
import {
  isPersistentRecord,
  MESSAGE_CODEC,
  messageRecordSize,
  PERSISTENT,
  readMessageRecord,
  recordBodySize,
  writeMessageRecord,
} from "./message-record.js";

/** A short string (exchange, routing key): any text of at most 255 UTF-8 octets. */
const shortString = fc.string({ unit: "binary", maxLength: 80 }).filter((s) => Buffer.byteLength(s) <= 255);
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));

describe("the segment record of a message", () => {
  it("of a timed message (a TTL applies) holds when it was published, after the flags (golden bytes)", () => {
    const m = new Message("", "q", Buffer.from([0x00, 0x00]), Buffer.from("x"));
    m.arrivedAt = 0x1_0000_0002;
    const buf = Buffer.alloc(messageRecordSize(m));
    expect(writeMessageRecord(buf, 0, m, PERSISTENT)).toBe(buf.length);
    expect(buf.toString("hex")).toBe(["03", "0000000100000002", "00", "01", "71", "00000002", "0000", "78"].join(""));
    expect(isPersistentRecord(buf)).toBe(true);
    const back = readMessageRecord(buf);
    expect([back.arrivedAt, back.exchange, back.routingKey, back.body.toString()]).toEqual([0x1_0000_0002, "", "q", "x"]);
    expect(recordBodySize(buf)).toBe(1);
  });

  it("is laid out as documented (golden bytes)", () => {
    const m = new Message("ex", "rk", Buffer.from([0x10, 0x00, 0x02]), Buffer.from("hi"));
    const buf = Buffer.alloc(messageRecordSize(m));
    expect(writeMessageRecord(buf, 0, m, PERSISTENT)).toBe(buf.length);
    // flags | e=2 "ex" | r=2 "rk" | p=3 | properties | body
    expect(buf.toString("hex")).toBe(["01", "02", "6578", "02", "726b", "00000003", "100002", "6869"].join(""));
    expect(isPersistentRecord(buf)).toBe(true);
  });

  it("round-trips: what is written at any offset reads back the same, and takes messageRecordSize octets", () => {
    fc.assert(
      fc.property(shortString, shortString, bytes(300), bytes(3000), fc.constantFrom(0, PERSISTENT), fc.nat(64), (exchange, routingKey, props, body, flags, offset) => {
        const m = new Message(exchange, routingKey, props, body);
        const size = messageRecordSize(m);
        const buf = Buffer.alloc(offset + size + 16, 0xee);
        const end = writeMessageRecord(buf, offset, m, flags);
        expect(end).toBe(offset + size);
        expect(buf.subarray(end).every((b) => b === 0xee)).toBe(true); // nothing written past the end
        const record = buf.subarray(offset, end);
        const back = readMessageRecord(record);
        expect(back.exchange).toBe(exchange);
        expect(back.routingKey).toBe(routingKey);
        expect(back.rawProperties.equals(props)).toBe(true);
        expect(back.body.equals(body)).toBe(true);
        expect(isPersistentRecord(record)).toBe(flags === PERSISTENT);
      }),
    );
  });

  it("reads properties and body as views into the record, not copies (the queue compacts what it keeps)", () => {
    const m = new Message("", "q", Buffer.from([0, 0]), Buffer.from("body"));
    const buf = Buffer.alloc(messageRecordSize(m));
    writeMessageRecord(buf, 0, m, 0);
    const back = readMessageRecord(buf);
    expect(back.body.buffer).toBe(buf.buffer);
    expect(back.rawProperties.buffer).toBe(buf.buffer);
  });
});

describe("MESSAGE_CODEC, the broker's records as storage sees them", () => {
  it("writes what writeMessageRecord writes, and reads back persistence and body size", () => {
    const m = new Message("ex", "rk", Buffer.from([0x10, 0x00, 0x02]), Buffer.from("hi"));
    expect(MESSAGE_CODEC.persistent(m)).toBe(true);
    expect(MESSAGE_CODEC.size(m)).toBe(messageRecordSize(m));
    const buf = Buffer.alloc(MESSAGE_CODEC.size(m));
    expect(MESSAGE_CODEC.write(buf, 0, m, true)).toBe(buf.length);
    expect(buf.toString("hex")).toBe(["01", "02", "6578", "02", "726b", "00000003", "100002", "6869"].join(""));
    expect([MESSAGE_CODEC.isPersistent(buf), MESSAGE_CODEC.bodySize(buf)]).toEqual([true, 2]);
    MESSAGE_CODEC.write(buf, 0, m, false);
    expect(MESSAGE_CODEC.isPersistent(buf)).toBe(false);
    expect(MESSAGE_CODEC.describe(m)).toEqual({ exchange: "ex" });
  });
});

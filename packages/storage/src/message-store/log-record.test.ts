import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { logMessage, logRecordSize, logTargetCount, logTargetSeq, logTargetStore, writeLogTarget, writeLogTargetCount } from "./log-record.js";

const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));

/** A log record laid out by hand from the format in log-record.ts: n, n x (storeId, seq hi, seq lo), the record. */
function logRecord(targets: readonly (readonly [number, number])[], record: Buffer): Buffer {
  const b = Buffer.alloc(2 + 12 * targets.length);
  b.writeUInt16BE(targets.length, 0);
  targets.forEach(([storeId, seq], i) => {
    b.writeUInt32BE(storeId, 2 + 12 * i);
    b.writeUInt32BE(Math.floor(seq / 2 ** 32), 2 + 12 * i + 4);
    b.writeUInt32BE(seq % 2 ** 32, 2 + 12 * i + 8);
  });
  return Buffer.concat([b, record]);
}

describe("the write-ahead log record of a persistent publish", () => {
  it("gives back its destinations and its segment record, seqs above 2^32 included", () => {
    const record = Buffer.from("a record: opaque octets");
    const log = logRecord(
      [
        [7, 2 ** 32 + 5],
        [1, 0],
        [0xffffffff, Number.MAX_SAFE_INTEGER],
      ],
      record,
    );
    expect(log.length).toBe(logRecordSize(3, record.length));
    expect(logTargetCount(log)).toBe(3);
    expect([0, 1, 2].map((i) => [logTargetStore(log, i), logTargetSeq(log, i)])).toEqual([
      [7, 2 ** 32 + 5],
      [1, 0],
      [0xffffffff, Number.MAX_SAFE_INTEGER],
    ]);
    expect(logMessage(log).equals(record)).toBe(true);
  });

  it("decodes any set of destinations (property)", () => {
    const target = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.maxSafeNat());
    fc.assert(
      fc.property(fc.array(target, { maxLength: 40 }), bytes(200), (targets, record) => {
        const log = logRecord(targets, record);
        expect(log.length).toBe(logRecordSize(targets.length, record.length));
        expect(logTargetCount(log)).toBe(targets.length);
        expect(targets.map((_, i) => [logTargetStore(log, i), logTargetSeq(log, i)])).toEqual(targets);
        expect(logMessage(log).equals(record)).toBe(true);
      }),
    );
  });
});

describe("a log record written in place", () => {
  it("reads back as laid out by hand (writeLogTarget, writeLogTargetCount)", () => {
    const target = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.maxSafeNat());
    fc.assert(
      fc.property(fc.array(target, { maxLength: 40 }), bytes(200), (targets, record) => {
        const buf = Buffer.alloc(logRecordSize(targets.length, record.length));
        record.copy(buf, logRecordSize(targets.length, 0));
        targets.forEach(([storeId, seq], i) => writeLogTarget(buf, i, storeId, seq));
        writeLogTargetCount(buf, targets.length);
        expect(buf.equals(logRecord(targets, record))).toBe(true);
      }),
    );
  });
});

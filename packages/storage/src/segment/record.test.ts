import { describe, expect, it } from "vitest";
import {
  FLAG_COMPACTED,
  RECORD_HEADER_SIZE,
  SEGMENT_HEADER_SIZE,
  readSegmentHeader,
  readU64,
  recordCrcMatches,
  recordIndex,
  recordLength,
  recordSeqOffset,
  writeRecord,
  writeSegmentHeader,
  writeU64,
} from "./record.js";
import { ackFileName, parseAckFileName, parseSegmentFileName, segmentFileName } from "./segment-position.js";

describe("segment record layout", () => {
  // crc32 checked independently: python3 -c "zlib.crc32(bytes.fromhex('030000000100000002000000616263'))"
  it("writes a record as crc | length | index | seqOffset | payload (golden bytes)", () => {
    const buf = Buffer.alloc(RECORD_HEADER_SIZE + 3);
    expect(writeRecord(buf, 0, 1, 2, Buffer.from("abc"))).toBe(19);
    expect(buf.toString("hex")).toBe("a73fda5a" + "03000000" + "01000000" + "02000000" + "616263");
    expect([recordLength(buf, 0), recordIndex(buf, 0), recordSeqOffset(buf, 0)]).toEqual([3, 1, 2]);
    expect(recordCrcMatches(buf, 0, 3)).toBe(true);
    buf[18] = 0x64;
    expect(recordCrcMatches(buf, 0, 3)).toBe(false);
  });

  it("never takes an all-zero header for a record", () => {
    expect(recordCrcMatches(Buffer.alloc(RECORD_HEADER_SIZE), 0, 0)).toBe(false);
  });

  it("round-trips a segment header with ids and sequences above 2^32", () => {
    const buf = Buffer.alloc(SEGMENT_HEADER_SIZE);
    const h = { segmentId: 2 ** 40 + 3, firstSeq: Number.MAX_SAFE_INTEGER, generation: 7, flags: FLAG_COMPACTED };
    expect(writeSegmentHeader(buf, 0, h)).toBe(SEGMENT_HEADER_SIZE);
    expect(buf.subarray(0, 8).toString("hex")).toBe("4151534701000100"); // "AQSG", version 1, flags 1
    expect(readSegmentHeader(buf)).toEqual(h);
    buf[20] = (buf[20] as number) ^ 1;
    expect(readSegmentHeader(buf)).toBeNull();
    expect(readSegmentHeader(Buffer.alloc(10))).toBeNull();
  });

  it("reads u64 values exactly and refuses ones above 2^53 - 1", () => {
    const buf = Buffer.alloc(8);
    for (const v of [0, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) {
      writeU64(buf, 0, v);
      expect(readU64(buf, 0)).toBe(v);
    }
    buf.writeUInt32LE(0x00200000, 4);
    expect(readU64(buf, 0)).toBe(-1);
  });

  it("names files with 16 hex digits and parses them back", () => {
    expect(segmentFileName(0)).toBe("seg-0000000000000000.dat");
    expect(ackFileName(2 ** 32)).toBe("seg-0000000100000000.ack");
    expect(parseSegmentFileName("seg-001fffffffffffff.dat")).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseSegmentFileName("seg-0020000000000000.dat")).toBe(-1); // above 2^53 - 1
    expect(parseSegmentFileName("seg-0000000000000001.dat.tmp")).toBe(-1);
    expect(parseAckFileName("seg-00000000000000ff.ack")).toBe(255);
    expect(() => segmentFileName(-1)).toThrow(RangeError);
  });
});

import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseWalFileName, walFileName } from "./file-name.js";
import { isZeroHeader, RECORD_HEADER_SIZE, recordCrcMatches, recordLength, recordSequence, writeRecord } from "./record.js";

describe("record wire layout", () => {
  it("writes crc32 | length | sequence | payload, little-endian (golden bytes)", () => {
    const buf = Buffer.alloc(RECORD_HEADER_SIZE + 3);
    const end = writeRecord(buf, 0, 0x123456789, Buffer.from("abc"));
    expect(end).toBe(19);
    expect(buf.toString("hex")).toBe(
      "14cdd776" + // crc32 of octets 4..18
        "03000000" + // length 3
        "8967452301000000" + // sequence 0x1_2345_6789 (above 2^32), lo then hi
        "616263", // payload
    );
    expect(crc32(buf.subarray(4))).toBe(0x76d7cd14);
  });

  it("reads back what it wrote, at an offset, for sequences up to 2^53 - 1", () => {
    const buf = Buffer.alloc(100);
    for (const seq of [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) {
      const end = writeRecord(buf, 7, seq, Buffer.from("hello"));
      expect(end).toBe(7 + 16 + 5);
      expect(recordLength(buf, 7)).toBe(5);
      expect(recordSequence(buf, 7)).toBe(seq);
      expect(recordCrcMatches(buf, 7, 5)).toBe(true);
    }
  });

  it("a flipped bit anywhere after the crc field fails the crc", () => {
    const buf = Buffer.alloc(RECORD_HEADER_SIZE + 10);
    writeRecord(buf, 0, 42, Buffer.alloc(10, 0x5a));
    for (let i = 4; i < buf.length; i++) {
      buf[i] = (buf[i] as number) ^ 0x10;
      expect(recordCrcMatches(buf, 0, 10)).toBe(false);
      buf[i] = (buf[i] as number) ^ 0x10;
    }
    expect(recordCrcMatches(buf, 0, 10)).toBe(true);
  });

  it("reads a sequence above 2^53 - 1 as -1 (never written, so corrupt)", () => {
    const buf = Buffer.alloc(RECORD_HEADER_SIZE);
    buf.writeUInt32LE(0xffffffff, 8);
    buf.writeUInt32LE(0x200000, 12);
    expect(recordSequence(buf, 0)).toBe(-1);
  });

  it("an all-zero header is the end of data, and never a valid record", () => {
    const buf = Buffer.alloc(RECORD_HEADER_SIZE);
    expect(isZeroHeader(buf, 0)).toBe(true);
    expect(recordCrcMatches(buf, 0, 0)).toBe(false);
    writeRecord(buf, 0, 0, Buffer.alloc(0));
    expect(isZeroHeader(buf, 0)).toBe(false);
  });
});

describe("WAL file names", () => {
  it("are wal-<16 hex digits>.log, in sequence order when sorted as text", () => {
    expect(walFileName(1)).toBe("wal-0000000000000001.log");
    expect(walFileName(2 ** 32)).toBe("wal-0000000100000000.log");
    expect(walFileName(Number.MAX_SAFE_INTEGER)).toBe("wal-001fffffffffffff.log");
    const seqs = [5, 2 ** 40, 255, 256, 2 ** 32, 0];
    const names = seqs.map(walFileName).sort();
    expect(names.map(parseWalFileName)).toEqual([...seqs].sort((a, b) => a - b));
  });

  it("other names are not WAL files", () => {
    for (const name of ["wal-1.log", "wal-000000000000000G.log", "wal-0000000000000001.log.tmp", "segment-0000000000000001.seg", "wal-0000000000000001.LOG"]) {
      expect(parseWalFileName(name)).toBe(-1);
    }
    expect(parseWalFileName("wal-ffffffffffffffff.log")).toBe(-1); // beyond 2^53 - 1
  });
});

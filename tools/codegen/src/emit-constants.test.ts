import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { emitConstants } from "./emit-constants.js";
import { HEADER } from "./header.js";
import { parseSpec } from "./spec.js";

const tinyXml = readFileSync(new URL("../test/tiny-spec.xml", import.meta.url), "utf8");
const code = emitConstants(parseSpec(tinyXml));

describe("emitConstants", () => {
  it("starts with the generated header", () => {
    expect(code.split("\n")[0]).toBe(HEADER);
  });

  it("emits the version and port", () => {
    expect(code).toContain("export const PROTOCOL_VERSION = { major: 0, minor: 9, revision: 1 } as const;");
    expect(code).toContain("export const AMQP_PORT = 5672;");
  });

  it("emits frame types, the frame end and the minimum frame size", () => {
    expect(code).toContain("export const FrameType = {\n  Method: 1,\n  Header: 2,\n  Body: 3,\n  Heartbeat: 8,\n} as const;");
    expect(code).toContain("export const FRAME_END = 206;");
    expect(code).toContain("export const FRAME_MIN_SIZE = 4096;");
  });

  it("emits reply-success and the error constants as reply codes, and nothing else", () => {
    expect(code).toContain("export const ReplyCode = {\n  REPLY_SUCCESS: 200,\n  NOT_FOUND: 404,\n  FRAME_ERROR: 501,\n  NOT_IMPLEMENTED: 540,\n} as const;");
  });

  it("lists only hard errors in isHardError", () => {
    const start = code.indexOf("export function isHardError");
    expect(code.slice(start, code.indexOf("\n}\n", start))).toContain("  switch (replyCode) {\n    case 501:\n    case 540:\n      return true;\n    default:");
  });

  it("names every reply code", () => {
    expect(code).toContain('    case 200:\n      return "REPLY_SUCCESS";');
    expect(code).toContain('    case 404:\n      return "NOT_FOUND";');
    expect(code).toContain("      return `REPLY_${replyCode}`;");
  });

  it("throws when a required constant is missing", () => {
    const xml = tinyXml.replace(/<constant name = "frame-end"[^>]*>/, "");
    expect(() => emitConstants(parseSpec(xml))).toThrow(/constant frame-end missing/);
  });
});

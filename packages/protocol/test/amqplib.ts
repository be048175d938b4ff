/**
 * amqplib's own codec (lib/defs.js, lib/frame.js, lib/codec.js), loaded by path since its package
 * exports do not include them: the independent implementation our codec is cross-checked against.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const root = dirname(require.resolve("amqplib"));

export interface AmqplibInfo {
  id: number;
  name: string;
  args: { type: string; name: string }[];
}

export interface AmqplibDefs {
  encodeMethod(id: number, channel: number, fields: Record<string, unknown>): Buffer;
  encodeProperties(classId: number, channel: number, size: number, fields: Record<string, unknown>): Buffer;
  decode(id: number, buf: Buffer): Record<string, unknown>;
  info(id: number): AmqplibInfo;
}

export interface AmqplibFrame {
  parseFrame(bin: Buffer, max: number): false | { type: number; channel: number; size: number; payload: Buffer; rest: Buffer };
  decodeFrame(frame: { type: number; channel: number; payload: Buffer }): {
    id?: number;
    channel: number;
    fields?: Record<string, unknown>;
    size?: number;
    content?: Buffer;
  };
  makeBodyFrame(channel: number, payload: Buffer): Buffer;
}

export const defs = require(join(root, "lib/defs.js")) as AmqplibDefs;
export const frame = require(join(root, "lib/frame.js")) as AmqplibFrame;

/** Parses one whole frame with amqplib and decodes it. */
export function amqplibDecode(bytes: Buffer): ReturnType<AmqplibFrame["decodeFrame"]> {
  const f = frame.parseFrame(bytes, 0);
  if (f === false) throw new Error("amqplib: incomplete frame");
  if (f.rest.length !== 0) throw new Error("amqplib: trailing octets");
  return frame.decodeFrame(f);
}

/** Helpers for frame tests: a handler that records every frame as plain data. */
import type { FrameHandler, Method } from "../src/index.js";

export type Event =
  | { kind: "protocol-header"; header: string }
  | { kind: "method"; channel: number; method: Method }
  | { kind: "header"; channel: number; classId: number; bodySize: number; properties: string }
  | { kind: "body"; channel: number; body: string }
  | { kind: "heartbeat" };

export class Recorder implements FrameHandler {
  readonly events: Event[] = [];
  readonly bodies: Buffer[] = [];
  onProtocolHeader(header: Buffer): void {
    this.events.push({ kind: "protocol-header", header: header.toString("hex") });
  }
  onMethod(channel: number, method: Method): void {
    this.events.push({ kind: "method", channel, method });
  }
  onHeader(channel: number, classId: number, bodySize: number, properties: Buffer): void {
    this.events.push({ kind: "header", channel, classId, bodySize, properties: properties.toString("hex") });
  }
  onBody(channel: number, body: Buffer): void {
    this.bodies.push(body);
    this.events.push({ kind: "body", channel, body: body.toString("hex") });
  }
  onHeartbeat(): void {
    this.events.push({ kind: "heartbeat" });
  }
}

/** Raw frame octets: type, channel, payload, and an end octet (0xCE unless told otherwise). */
export function rawFrame(type: number, channel: number, payload: Buffer | string, end = 0xce): Buffer {
  const p = typeof payload === "string" ? Buffer.from(payload, "hex") : payload;
  const b = Buffer.alloc(8 + p.length);
  b[0] = type;
  b.writeUInt16BE(channel, 1);
  b.writeUInt32BE(p.length, 3);
  p.copy(b, 7);
  b[7 + p.length] = end;
  return b;
}

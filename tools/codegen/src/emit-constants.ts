/** Emits generated/constants.ts: frame types, frame limits, reply codes with their soft/hard class. */
import { constantCase, pascalCase } from "./names.js";
import type { Spec } from "./spec.js";
import { HEADER } from "./header.js";

const FRAME_TYPES = ["frame-method", "frame-header", "frame-body", "frame-heartbeat"];

export function emitConstants(spec: Spec): string {
  const out: string[] = [HEADER, "", "/** AMQP version implemented by this codec. */"];
  out.push(`export const PROTOCOL_VERSION = { major: ${spec.major}, minor: ${spec.minor}, revision: ${spec.revision} } as const;`);
  out.push(`/** IANA port of AMQP. */`, `export const AMQP_PORT = ${spec.port};`, "");

  const byName = new Map(spec.constants.map((c) => [c.name, c]));
  const value = (name: string): number => {
    const c = byName.get(name);
    if (c === undefined) throw new Error(`spec: constant ${name} missing`);
    return c.value;
  };

  out.push("/** Frame type octets. */", "export const FrameType = {");
  for (const name of FRAME_TYPES) out.push(`  ${pascalCase(name.replace(/^frame-/, ""))}: ${value(name)},`);
  out.push("} as const;", "export type FrameType = (typeof FrameType)[keyof typeof FrameType];", "");
  out.push(`/** The octet that ends every frame. */`, `export const FRAME_END = ${value("frame-end")};`);
  out.push(`/** The smallest frame_max a peer may negotiate. */`, `export const FRAME_MIN_SIZE = ${value("frame-min-size")};`, "");

  // The generated codec closes with these two; a spec without them cannot be generated.
  value("frame-error");
  value("not-implemented");
  const replies = spec.constants.filter((c) => c.errorClass !== undefined || c.name === "reply-success");
  out.push("/** Reply codes of connection.close and channel.close. */", "export const ReplyCode = {");
  for (const c of replies) out.push(`  ${constantCase(c.name)}: ${c.value},`);
  out.push("} as const;", "export type ReplyCode = (typeof ReplyCode)[keyof typeof ReplyCode];", "");

  out.push(
    "/** Hard errors close the connection; soft errors close only the channel. */",
    "export function isHardError(replyCode: number): boolean {",
    "  switch (replyCode) {",
  );
  for (const c of replies.filter((r) => r.errorClass === "hard-error")) out.push(`    case ${c.value}:`);
  out.push("      return true;", "    default:", "      return false;", "  }", "}", "");

  out.push("/** The spec name of a reply code, e.g. `NOT_FOUND` for 404. */", "export function replyCodeName(replyCode: number): string {", "  switch (replyCode) {");
  for (const c of replies) out.push(`    case ${c.value}:`, `      return "${constantCase(c.name)}";`);
  out.push("    default:", "      return `REPLY_${replyCode}`;", "  }", "}", "");
  return out.join("\n");
}

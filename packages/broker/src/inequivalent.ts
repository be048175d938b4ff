/** The 406 PRECONDITION_FAILED of a redeclaration whose properties or arguments differ, in RabbitMQ's words. */
import type { FieldValue } from "@amqp-go/protocol";
import { type ChannelError, preconditionFailed } from "./errors.js";
import { typeName } from "./field-type.js";

export const inequivalent = (arg: string, kind: string, name: string, vhost: string, received: unknown, current: unknown): ChannelError =>
  preconditionFailed(
    `inequivalent arg '${arg}' for ${kind} '${name}' in vhost '${vhost}': received '${String(received)}' but current is '${String(current)}'`,
  );

function shown(v: FieldValue): string {
  return v instanceof Date ? String(Math.floor(v.getTime() / 1000)) : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
}

/** 406 for a declare whose argument differs, in RabbitMQ's words. */
export function inequivalentArg(arg: string, kind: string, name: string, vhost: string, received: FieldValue | undefined, current: FieldValue | undefined): ChannelError {
  const r = received === undefined ? "none" : current === undefined ? `the value '${shown(received)}' of type '${typeName(received)}'` : `'${shown(received)}'`;
  const c = current === undefined ? "none" : received === undefined ? `the value '${shown(current)}' of type '${typeName(current)}'` : `'${shown(current)}'`;
  const text = `inequivalent arg '${arg}' for ${kind} '${name}' in vhost '${vhost}': received ${r} but current is ${c}`;
  return preconditionFailed(text);
}

/**
 * What RabbitMQ checks and rewrites in a publish's properties before it is routed: the validated
 * user-id, and sender-selected distribution (the `CC` and `BCC` headers). Both start from the raw
 * property flags: a publish that sets neither property costs one flag test, and a publish with
 * headers one native scan of its property octets for the two keys, before anything is decoded.
 */
import { BasicPropertiesFlag, type FieldTable, type FieldValue } from "@amqp-go/protocol";
import { preconditionFailed } from "../errors.js";
import type { Message } from "../message.js";
import { typeName } from "../field-type.js";

/** The property-flags word of a message (0 when it has no properties). */
export function propertyFlags(m: Message): number {
  const p = m.rawProperties;
  return p.length < 2 ? 0 : p.readUInt16BE(0);
}

/** Validated user-id: a publish may only carry the user it authenticated as (406 otherwise). */
export function checkUserId(m: Message, user: string): void {
  const userId = m.properties.userId;
  if (userId !== undefined && userId !== user) {
    throw preconditionFailed(`user_id property set to '${userId}' but authenticated user was '${user}'`);
  }
}

/** The octets of a header table entry's key, as `CC` and `BCC` appear in the raw properties. */
const CC_KEY = Buffer.from("\x02CC", "latin1");
const BCC_KEY = Buffer.from("\x03BCC", "latin1");

/**
 * Sender-selected distribution: the routing keys in the `CC` and `BCC` headers (arrays of
 * strings) route copies through the same exchange; `BCC` is taken out of the properties the
 * consumers get. Sets `message.extraRoutingKeys`. 406 when either header is not an array, in
 * RabbitMQ's words (`invalid message: {unacceptable_type_in_header,"CC",longstr}`).
 */
export function senderRoutes(m: Message): void {
  const raw = m.rawProperties;
  if (raw.indexOf(CC_KEY) < 0 && raw.indexOf(BCC_KEY) < 0) return;
  const headers = m.headers;
  if (headers === undefined) return;
  const cc = routesOf(headers, "CC");
  const bcc = routesOf(headers, "BCC");
  if (bcc !== null) {
    const rest: FieldTable = {};
    for (const k of Object.keys(headers)) if (k !== "BCC") rest[k] = headers[k]!;
    m.setProperties({ ...m.properties, headers: rest });
  }
  const keys = [...(cc ?? []), ...(bcc ?? [])];
  if (keys.length > 0) m.extraRoutingKeys = keys;
}

function routesOf(headers: FieldTable, key: string): string[] | null {
  const v: FieldValue | undefined = headers[key];
  if (v === undefined) return null;
  if (!Array.isArray(v)) throw preconditionFailed(`invalid message: {unacceptable_type_in_header,"${key}",${typeName(v)}}`);
  const out: string[] = [];
  for (const r of v) if (typeof r === "string") out.push(r);
  return out;
}

export const HAS_USER_ID = BasicPropertiesFlag.userId;
export const HAS_REPLY_TO = BasicPropertiesFlag.replyTo;
export const HAS_HEADERS = BasicPropertiesFlag.headers;
export const HAS_EXPIRATION = BasicPropertiesFlag.expiration;

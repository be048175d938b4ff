/**
 * The headers exchange: a binding's arguments are a pattern over the message headers, and the
 * routing key is ignored (though it still tells bindings apart, as everywhere).
 *
 *   x-match   all (default)  every pattern entry matches
 *             any            at least one does
 *             all-with-x / any-with-x   the same, with `x-` entries matched too; otherwise
 *                                      entries whose key starts with `x-` are ignored
 *
 * An entry matches when the header is present and, unless the pattern value is void (null, which
 * asks only for presence), equal to it. Equality follows RabbitMQ's Erlang `==` on the decoded
 * values: integer widths and floats compare by value, and since longstr and byte-array values are
 * both binaries there, a string equals a Buffer holding its UTF-8 bytes, and a timestamp equals
 * the integer of its seconds. Nested arrays and tables compare strictly (types kept, as Erlang's
 * tagged tuples do).
 *
 * Every binding is tried per message, as in RabbitMQ: patterns are arbitrary, so there is no key
 * to index by. Each binding's pattern is compiled once at bind time into parallel key/value
 * arrays, so routing is a loop of `Object.hasOwn` lookups and allocates nothing.
 */
import { Decimal, type FieldTable, type FieldValue, TypedValue } from "@amqp-go/protocol";
import { destinationKey } from "./binding-set.js";
import { type Binding, type Destination, Exchange } from "./exchange.js";
import { deepEqualTable, deepEqualValue } from "./field-equal.js";

const X_MATCH_VALUES = ["all", "any", "all-with-x", "any-with-x"];

/**
 * Checks a headers binding's arguments; returns the error text for a 406 PRECONDITION_FAILED
 * (RabbitMQ's wording), or undefined when they are valid. A missing x-match means `all`.
 */
export function validateHeadersBinding(args: FieldTable): string | undefined {
  const xMatch = args["x-match"];
  if (xMatch === undefined || (typeof xMatch === "string" && X_MATCH_VALUES.includes(xMatch))) return undefined;
  if (typeof xMatch === "string") {
    return `Invalid x-match field value <<"${xMatch}">>; expected all, any, all-with-x, or any-with-x`;
  }
  return `Invalid x-match field type ${fieldTypeName(xMatch)} (value ${String(xMatch)}); expected longstr`;
}

interface HeadersBinding {
  readonly destination: Destination;
  readonly destinationKey: string;
  readonly routingKey: string;
  readonly args: FieldTable;
  readonly any: boolean;
  /** The pattern entries that take part in matching; a null value asks only for presence. */
  readonly keys: string[];
  readonly values: FieldValue[];
}

export class HeadersExchange extends Exchange {
  readonly type = "headers";
  private readonly list: HeadersBinding[] = [];

  /** Throws a plain Error with the text for a 406 when the x-match argument is invalid. */
  bind(destination: Destination, routingKey: string, args: FieldTable): boolean {
    const error = validateHeadersBinding(args);
    if (error !== undefined) throw new Error(error);
    const dKey = destinationKey(destination);
    if (this.indexOf(dKey, routingKey, args) >= 0) return false;
    this.list.push(compile(destination, dKey, routingKey, args));
    return true;
  }

  unbind(destination: Destination, routingKey: string, args: FieldTable): boolean {
    const i = this.indexOf(destinationKey(destination), routingKey, args);
    if (i < 0) return false;
    this.list.splice(i, 1);
    return true;
  }

  unbindAll(destination: Destination): number {
    const dKey = destinationKey(destination);
    const before = this.list.length;
    let kept = 0;
    for (const b of this.list) if (b.destinationKey !== dKey) this.list[kept++] = b;
    this.list.length = kept;
    return before - kept;
  }

  route(_routingKey: string, headers: FieldTable | undefined, out: Destination[]): void {
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const b = list[i]!;
      if (matches(b, headers)) out.push(b.destination);
    }
  }

  bindings(): Binding[] {
    return this.list.map((b) => ({ source: this.name, destination: b.destination, routingKey: b.routingKey, arguments: b.args }));
  }

  get bindingCount(): number {
    return this.list.length;
  }

  private indexOf(dKey: string, routingKey: string, args: FieldTable): number {
    for (let i = 0; i < this.list.length; i++) {
      const b = this.list[i]!;
      if (b.destinationKey === dKey && b.routingKey === routingKey && deepEqualTable(b.args, args)) return i;
    }
    return -1;
  }
}

function compile(destination: Destination, dKey: string, routingKey: string, args: FieldTable): HeadersBinding {
  const xMatch = args["x-match"];
  const withX = xMatch === "all-with-x" || xMatch === "any-with-x";
  const keys: string[] = [];
  const values: FieldValue[] = [];
  for (const key of Object.keys(args)) {
    const value = args[key];
    // x-match itself never takes part, even with -with-x.
    if (value === undefined || key === "x-match" || (!withX && key.startsWith("x-"))) continue;
    keys.push(key);
    values.push(value);
  }
  const any = xMatch === "any" || xMatch === "any-with-x";
  return { destination, destinationKey: dKey, routingKey, args, any, keys, values };
}

/** An empty pattern matches every message under `all` and none under `any`, as in RabbitMQ. */
function matches(b: HeadersBinding, headers: FieldTable | undefined): boolean {
  const { keys, values } = b;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    // hasOwn: decoded tables are plain objects, and a header named "constructor" must not
    // find Object.prototype's.
    const header = headers !== undefined && Object.hasOwn(headers, key) ? headers[key] : undefined;
    const pattern = values[i]!;
    const hit = header !== undefined && (pattern === null || headerValueEqual(pattern, header));
    if (hit === b.any) return hit;
  }
  return !b.any;
}

/** Erlang `==` on a pattern value and a header value: see the file comment. */
function headerValueEqual(pattern: FieldValue, header: FieldValue): boolean {
  if (deepEqualValue(pattern, header)) return true;
  if (pattern instanceof TypedValue) pattern = pattern.value;
  if (header instanceof TypedValue) header = header.value;
  if (typeof pattern === "string" && header instanceof Uint8Array) return bytesEqualString(header, pattern);
  if (typeof header === "string" && pattern instanceof Uint8Array) return bytesEqualString(pattern, header);
  if (pattern instanceof Date && (typeof header === "number" || typeof header === "bigint")) return seconds(pattern) === Number(header);
  if (header instanceof Date && (typeof pattern === "number" || typeof pattern === "bigint")) return seconds(header) === Number(pattern);
  return false;
}

function bytesEqualString(bytes: Uint8Array, s: string): boolean {
  return bytes.length === Buffer.byteLength(s) && Buffer.compare(bytes, Buffer.from(s)) === 0;
}

function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/** RabbitMQ's name for a value's field type, for error texts. */
function fieldTypeName(v: FieldValue): string {
  if (v === null) return "void";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "long" : "double";
  if (typeof v === "bigint") return "long";
  if (v instanceof Uint8Array) return "binary";
  if (v instanceof Date) return "timestamp";
  if (v instanceof TypedValue) return fieldTypeName(v.value);
  if (Array.isArray(v)) return "array";
  if (v instanceof Decimal) return "decimal";
  return "table";
}

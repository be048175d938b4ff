/**
 * Stage 1: the AMQP XML spec -> a typed model. Nothing here knows about TypeScript output.
 */
import { XMLParser } from "fast-xml-parser";

/** The primitive wire types of AMQP 0-9-1 method arguments and content properties. */
export type WireType =
  | "bit"
  | "octet"
  | "short"
  | "long"
  | "longlong"
  | "shortstr"
  | "longstr"
  | "timestamp"
  | "table";

const WIRE_TYPES: ReadonlySet<string> = new Set([
  "bit",
  "octet",
  "short",
  "long",
  "longlong",
  "shortstr",
  "longstr",
  "timestamp",
  "table",
]);

export interface Constant {
  /** Spec name, e.g. `frame-end`, `not-found`. */
  readonly name: string;
  readonly value: number;
  /** `soft-error` or `hard-error` for reply codes; undefined for the others. */
  readonly errorClass: "soft-error" | "hard-error" | undefined;
}

export interface Field {
  /** Spec name, e.g. `routing-key`, `reserved-1`. */
  readonly name: string;
  readonly type: WireType;
  readonly domain: string;
  readonly reserved: boolean;
}

export interface Method {
  readonly name: string;
  readonly index: number;
  readonly synchronous: boolean;
  readonly content: boolean;
  /** Names (within the same class) of the methods that answer this one. */
  readonly responses: readonly string[];
  readonly fields: readonly Field[];
}

export interface Class {
  readonly name: string;
  readonly index: number;
  readonly methods: readonly Method[];
  /** Content properties (only the basic class has any). */
  readonly properties: readonly Field[];
}

export interface Spec {
  readonly major: number;
  readonly minor: number;
  readonly revision: number;
  readonly port: number;
  readonly constants: readonly Constant[];
  readonly classes: readonly Class[];
}

type XmlNode = Record<string, unknown>;

const ARRAY_ELEMENTS: ReadonlySet<string> = new Set([
  "constant",
  "domain",
  "class",
  "method",
  "field",
  "response",
  "chassis",
  "rule",
  "doc",
  "assert",
]);

function attr(node: XmlNode, name: string): string | undefined {
  const v = node[`@${name}`];
  return v === undefined ? undefined : String(v);
}

function required(node: XmlNode, name: string, where: string): string {
  const v = attr(node, name);
  if (v === undefined) throw new Error(`spec: ${where} has no ${name} attribute`);
  return v;
}

function children(node: XmlNode, name: string): XmlNode[] {
  const v = node[name];
  return Array.isArray(v) ? (v as XmlNode[]) : [];
}

function integer(text: string, where: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`spec: ${where} is not an integer: ${text}`);
  return Number(text);
}

/** Class and method indexes are 16-bit on the wire. */
function index(text: string, where: string): number {
  const n = integer(text, where);
  if (n > 0xffff) throw new Error(`spec: ${where} index ${n} does not fit 16 bits`);
  return n;
}

/** Parses the spec's XML text into the model. Throws on anything the emitters could not handle. */
export function parseSpec(xml: string): Spec {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    parseAttributeValue: false,
    trimValues: true,
    isArray: (name) => ARRAY_ELEMENTS.has(name),
  });
  const root = (parser.parse(xml) as XmlNode).amqp as XmlNode | undefined;
  if (root === undefined) throw new Error("spec: no <amqp> root element");

  const domains = new Map<string, WireType>();
  for (const d of children(root, "domain")) {
    const name = required(d, "name", "domain");
    const type = required(d, "type", `domain ${name}`);
    if (!WIRE_TYPES.has(type)) throw new Error(`spec: domain ${name} has unknown type ${type}`);
    domains.set(name, type as WireType);
  }

  const field = (f: XmlNode, where: string): Field => {
    const name = required(f, "name", where);
    const domain = attr(f, "domain") ?? attr(f, "type");
    if (domain === undefined) throw new Error(`spec: field ${where}.${name} has neither domain nor type`);
    const type = WIRE_TYPES.has(domain) ? (domain as WireType) : domains.get(domain);
    if (type === undefined) throw new Error(`spec: field ${where}.${name} has unknown domain ${domain}`);
    return { name, type, domain, reserved: attr(f, "reserved") === "1" };
  };

  const constants: Constant[] = children(root, "constant").map((c) => {
    const name = required(c, "name", "constant");
    const cls = attr(c, "class");
    if (cls !== undefined && cls !== "soft-error" && cls !== "hard-error") {
      throw new Error(`spec: constant ${name} has unknown class ${cls}`);
    }
    return { name, value: integer(required(c, "value", name), name), errorClass: cls };
  });

  const classes: Class[] = children(root, "class").map((c) => {
    const className = required(c, "name", "class");
    const methods: Method[] = children(c, "method").map((m) => {
      const name = required(m, "name", `class ${className} method`);
      const where = `${className}.${name}`;
      return {
        name,
        index: index(required(m, "index", where), where),
        synchronous: attr(m, "synchronous") === "1",
        content: attr(m, "content") === "1",
        responses: children(m, "response").map((r) => required(r, "name", `${where} response`)),
        fields: children(m, "field").map((f) => field(f, where)),
      };
    });
    return {
      name: className,
      index: index(required(c, "index", className), className),
      methods,
      properties: children(c, "field").map((f) => field(f, className)),
    };
  });

  return {
    major: integer(required(root, "major", "amqp"), "major"),
    minor: integer(required(root, "minor", "amqp"), "minor"),
    revision: integer(required(root, "revision", "amqp"), "revision"),
    port: integer(required(root, "port", "amqp"), "port"),
    constants,
    classes,
  };
}

/** Emits the method types, ids, codec and metadata. */
import { boundOf, emitDecodeSteps, emitEncodeSteps, importsFor, local, needsLength } from "./emit-codec.js";
import { HEADER } from "./header.js";
import { layout, type MethodModel, type ProtocolModel } from "./model.js";

const hex = (n: number): string => `0x${n.toString(16).padStart(8, "0")}`;

/** generated/methods.ts: ids, one interface per method, the unions. */
export function emitMethodTypes(model: ProtocolModel): string {
  const out: string[] = [HEADER, 'import type { FieldTable } from "../field-table.js";', ""];
  out.push("/** Class ids. */", "export const ClassId = {");
  for (const c of model.classes) out.push(`  ${c.typeName}: ${c.id},`);
  out.push("} as const;", "export type ClassId = (typeof ClassId)[keyof typeof ClassId];", "");

  out.push("/** Method ids: `(classId << 16) | methodId`, as they appear in the first four octets of a method frame. */", "export const MethodId = {");
  for (const m of model.methods) out.push(`  ${m.typeName}: ${hex(m.id)}, // ${m.fullName} (${m.classId}/${m.methodId})`);
  out.push("} as const;", "export type MethodId = (typeof MethodId)[keyof typeof MethodId];", "");

  for (const m of model.methods) {
    out.push(`/** Arguments of ${m.fullName}: reserved fields and tables may be left out when encoding. */`);
    out.push(`export interface ${m.typeName}Args {`);
    for (const f of m.fields) {
      const optional = f.reserved || f.type === "table";
      out.push(`  ${f.name}${optional ? "?" : ""}: ${f.tsType};`);
    }
    out.push("}");
    out.push(`/** ${m.fullName} (${m.classId}/${m.methodId}) as decoded: every field present, in spec order. */`);
    out.push(`export interface ${m.typeName} extends ${m.typeName}Args {`, `  readonly id: ${hex(m.id)};`);
    for (const f of m.fields) if (f.reserved || f.type === "table") out.push(`  ${f.name}: ${f.tsType};`);
    out.push("}", "");
  }

  out.push("/** Every method, as decoded; narrow it with a `switch` on `id`. */");
  out.push(`export type Method =\n${model.methods.map((m) => `  | ${m.typeName}`).join("\n")};`, "");
  out.push("/** Every method, as given to the encoder: its id plus its arguments. */");
  out.push(
    `export type MethodArgs =\n${model.methods.map((m) => `  | (${m.typeName}Args & { readonly id: ${hex(m.id)} })`).join("\n")};`,
    "",
  );
  return out.join("\n");
}

function emitDecoder(m: MethodModel): string[] {
  const fail = `malformedMethod(${hex(m.id)})`;
  const out = [
    `/** Decodes the arguments of ${m.fullName} from \`b\` between \`o\` and \`e\`. */`,
    `export function decode${m.typeName}(b: Buffer, o: number, e: number): ${m.typeName} {`,
  ];
  if (needsLength(m.fields)) out.push("  let n = 0;");
  out.push(...emitDecodeSteps(m.fields, fail));
  out.push(`  if (o !== e) throw ${fail};`);
  const fields = m.fields.map((f) => (local(f.name) === f.name ? f.name : `${f.name}: ${local(f.name)}`));
  out.push(`  return { id: ${hex(m.id)}${fields.map((f) => `, ${f}`).join("")} };`, "}", "");
  return out;
}

function emitEncoder(m: MethodModel): string[] {
  const steps = layout(m.fields);
  const a = m.fields.length > 0 ? "a" : "_a";
  const out = [
    `/** Encodes ${m.fullName} (method id and arguments) into \`b\` at \`o\`; returns the offset after it. */`,
    `export function encode${m.typeName}(b: Buffer, o: number, ${a}: ${m.typeName}Args): number {`,
    `  if (o + 4 + ${boundOf(steps)} > b.length) throw bufferTooSmall(b, o);`,
    `  b.writeUInt32BE(${hex(m.id)}, o);`,
    "  o += 4;",
    ...emitEncodeSteps(m.fields),
    "  return o;",
    "}",
    "",
  ];
  return out;
}

/** generated/method-codec.ts: one decoder and one encoder per method, and the id switches. */
export function emitMethodCodec(model: ProtocolModel): string {
  const types = model.methods.flatMap((m) => [m.typeName, `${m.typeName}Args`]);
  const body: string[] = [];
  for (const m of model.methods) body.push(...emitDecoder(m), ...emitEncoder(m));
  body.push(
    "/**",
    " * Decodes a method frame's payload (`b` between `o` and `e`): the method id, then its arguments.",
    " * Throws a ProtocolError: 501 FRAME_ERROR for malformed arguments, 540 NOT_IMPLEMENTED for an unknown id.",
    " */",
    "export function decodeMethod(b: Buffer, o: number, e: number): Method {",
    '  if (o + 4 > e) throw new ProtocolError(ReplyCode.FRAME_ERROR, "method frame shorter than 4 octets");',
    "  // Two switches over small dense ids compile to jump tables; one over the 32-bit ids would not.",
    "  const classId = (b[o]! << 8) | b[o + 1]!;",
    "  const methodId = (b[o + 2]! << 8) | b[o + 3]!;",
    "  switch (classId) {",
  );
  for (const c of model.classes) {
    body.push(`    case ${c.id}:`, "      switch (methodId) {");
    for (const m of model.methods.filter((x) => x.classId === c.id)) {
      body.push(`        case ${m.methodId}:`, `          return decode${m.typeName}(b, o + 4, e);`);
    }
    body.push("      }", "      break;");
  }
  body.push(
    "  }",
    "  throw new ProtocolError(ReplyCode.NOT_IMPLEMENTED, `unknown method ${classId}/${methodId}`, classId, methodId);",
    "}",
    "",
    "/** Encodes any method (its id, then its arguments) into `b` at `o`; returns the offset after it. */",
    "export function encodeMethod(b: Buffer, o: number, m: MethodArgs): number {",
    "  switch (m.id >>> 16) {",
  );
  for (const c of model.classes) {
    body.push(`    case ${c.id}:`, "      switch (m.id & 0xffff) {");
    for (const m of model.methods.filter((x) => x.classId === c.id)) {
      body.push(`        case ${m.methodId}:`, `          return encode${m.typeName}(b, o, m as ${m.typeName}Args);`);
    }
    body.push("      }", "      break;");
  }
  body.push("  }", "  throw new TypeError(`unknown method id ${m.id as number}`);", "}", "");
  const text = body.join("\n");
  return [
    HEADER,
    ...importsFor(text),
    'import { ReplyCode } from "./constants.js";',
    `import type {\n  Method,\n  MethodArgs,\n${types.map((t) => `  ${t},`).join("\n")}\n} from "./methods.js";`,
    "",
    text,
  ].join("\n");
}

/** generated/method-info.ts: names, synchronous, content and responses of every method, for tools and tests. */
export function emitMethodInfo(model: ProtocolModel): string {
  const out: string[] = [
    HEADER,
    "",
    "/** A wire type of a method argument or content property. */",
    'export type WireType = "bit" | "octet" | "short" | "long" | "longlong" | "shortstr" | "longstr" | "timestamp" | "table";',
    "",
    "export interface FieldInfo {",
    "  /** camelCase name, as in the method's interface. */",
    "  readonly name: string;",
    "  /** Name in the spec. */",
    "  readonly specName: string;",
    "  readonly type: WireType;",
    "  readonly reserved: boolean;",
    "}",
    "",
    "export interface MethodInfo {",
    "  readonly id: number;",
    "  readonly classId: number;",
    "  readonly methodId: number;",
    "  /** `basic.publish` */",
    "  readonly name: string;",
    "  /** The peer waits for one of `responses` before sending another synchronous method. */",
    "  readonly synchronous: boolean;",
    "  /** Followed by a content header and body frames. */",
    "  readonly content: boolean;",
    "  /** Ids of the methods that answer this one. */",
    "  readonly responses: readonly number[];",
    "  readonly fields: readonly FieldInfo[];",
    "}",
    "",
    "/** Every method of the spec, in spec order. */",
    "export const METHODS: readonly MethodInfo[] = [",
  ];
  for (const m of model.methods) {
    out.push("  {");
    out.push(`    id: ${hex(m.id)},`, `    classId: ${m.classId},`, `    methodId: ${m.methodId},`, `    name: "${m.fullName}",`);
    out.push(`    synchronous: ${m.synchronous},`, `    content: ${m.content},`);
    out.push(`    responses: [${m.responses.map(hex).join(", ")}],`);
    out.push("    fields: [");
    for (const f of m.fields) {
      out.push(`      { name: "${f.name}", specName: "${f.specName}", type: "${f.type}", reserved: ${f.reserved} },`);
    }
    out.push("    ],", "  },");
  }
  out.push("];", "");

  out.push("/** The spec name of a method, e.g. `basic.publish`; `unknown method C/M` for others. */");
  out.push("export function methodName(id: number): string {", "  switch (id) {");
  for (const m of model.methods) out.push(`    case ${hex(m.id)}:`, `      return "${m.fullName}";`);
  out.push("    default:", "      return `unknown method ${id >>> 16}/${id & 0xffff}`;", "  }", "}", "");

  out.push("/** True for the methods followed by content (a header frame and body frames). */");
  out.push("export function methodHasContent(id: number): boolean {", "  switch (id) {");
  for (const m of model.methods.filter((x) => x.content)) out.push(`    case ${hex(m.id)}:`);
  out.push("      return true;", "    default:", "      return false;", "  }", "}", "");

  out.push("/** True for synchronous methods (the sender waits for a response). */");
  out.push("export function methodIsSynchronous(id: number): boolean {", "  switch (id) {");
  for (const m of model.methods.filter((x) => x.synchronous)) out.push(`    case ${hex(m.id)}:`);
  out.push("      return true;", "    default:", "      return false;", "  }", "}", "");
  return out.join("\n");
}

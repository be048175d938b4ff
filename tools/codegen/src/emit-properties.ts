/** Emits generated/properties.ts: content properties with their flag bits, encoder and decoder. */
import { importsFor, local, SHORTSTR_BOUND } from "./emit-codec.js";
import { HEADER } from "./header.js";
import { FIXED_SIZE, type FieldModel, type PropertiesModel, type ProtocolModel } from "./model.js";
import type { WireType } from "./spec.js";

const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, "0")}`;

function emitOne(p: PropertiesModel): string[] {
  const out: string[] = [];
  const T = p.typeName;
  const all = p.fields.reduce((m, f) => m | f.flag, 0);
  out.push(`/** Content properties of class ${p.classId}, each optional; the decoder sets every key. */`, `export interface ${T} {`);
  for (const f of p.fields) out.push(`  ${f.name}?: ${f.tsType} | undefined;`);
  out.push("}", "");

  out.push(`/** Flag bit of each property in the first property-flags word (bit 0 is the continuation bit). */`);
  out.push(`export const ${T}Flag = {`);
  for (const f of p.fields) out.push(`  ${f.name}: ${hex4(f.flag)},`);
  out.push("} as const;", "");

  // Decoder: flags, then each present property in order.
  out.push(
    "/**",
    ` * Decodes the property flags and list of a class ${p.classId} content header from \`b\` between \`o\` and \`e\`.`,
    " * Throws a ProtocolError 501 FRAME_ERROR for a short list, trailing octets or unknown flags.",
    " */",
    `export function decode${T}(b: Buffer, o: number, e: number): ${T} {`,
    "  if (o + 2 > e) throw malformedProperties();",
    "  const flags = (b[o]! << 8) | b[o + 1]!;",
    "  o += 2;",
    `  if ((flags & ${hex4(~all & 0xfffe)}) !== 0) throw malformedProperties();`,
    "  if ((flags & 1) !== 0) {",
    "    // Continuation words may follow; this class defines no property beyond the first word.",
    "    let more = 1;",
    "    while ((more & 1) !== 0) {",
    "      if (o + 2 > e) throw malformedProperties();",
    "      more = (b[o]! << 8) | b[o + 1]!;",
    "      o += 2;",
    "      if ((more & 0xfffe) !== 0) throw malformedProperties();",
    "    }",
    "  }",
  );
  if (p.fields.some((f) => f.type === "shortstr" || f.type === "longstr" || f.type === "table")) out.push("  let n = 0;");
  for (const f of p.fields) out.push(`  let ${local(f.name)}: ${f.tsType} | undefined;`);
  for (const f of p.fields) {
    out.push(`  if ((flags & ${hex4(f.flag)}) !== 0) {`);
    switch (f.type) {
      case "shortstr":
        out.push(
          "    if (o >= e) throw malformedProperties();",
          "    n = b[o]!;",
          "    o += 1;",
          "    if (o + n > e) throw malformedProperties();",
          `    ${local(f.name)} = readShortString(b, o, o + n);`,
          "    o += n;",
        );
        break;
      case "longstr":
      case "table":
        out.push(
          "    if (o + 4 > e) throw malformedProperties();",
          "    n = b.readUInt32BE(o);",
          "    o += 4;",
          "    if (o + n > e) throw malformedProperties();",
          f.type === "table" ? `    ${local(f.name)} = decodeFieldTable(b, o, o + n);` : `    ${local(f.name)} = b.subarray(o, o + n);`,
          "    o += n;",
        );
        break;
      case "octet":
        out.push("    if (o >= e) throw malformedProperties();", `    ${local(f.name)} = b[o]!;`, "    o += 1;");
        break;
      case "short":
        out.push("    if (o + 2 > e) throw malformedProperties();", `    ${local(f.name)} = (b[o]! << 8) | b[o + 1]!;`, "    o += 2;");
        break;
      case "long":
        out.push("    if (o + 4 > e) throw malformedProperties();", `    ${local(f.name)} = b.readUInt32BE(o);`, "    o += 4;");
        break;
      case "longlong":
      case "timestamp":
        out.push("    if (o + 8 > e) throw malformedProperties();", `    ${local(f.name)} = readLongLong(b, o);`, "    o += 8;");
        break;
      case "bit":
        throw new Error("codegen: bit properties are carried in the flags and have no value");
    }
    out.push("  }");
  }
  out.push("  if (o !== e) throw malformedProperties();");
  out.push(`  return { ${p.fields.map((f) => (local(f.name) === f.name ? f.name : `${f.name}: ${local(f.name)}`)).join(", ")} };`, "}", "");

  // Encoder: a bound covering every property, the flags word written last.
  out.push(
    `/** Encodes the property flags and list of \`p\` into \`b\` at \`o\`; returns the offset after them. */`,
    `export function encode${T}(b: Buffer, o: number, p: ${T}): number {`,
    `  if (o + 2 + ${boundOfProperties(p.fields)} > b.length) throw bufferTooSmall(b, o);`,
    "  const start = o;",
    "  let flags = 0;",
    "  o += 2;",
  );
  p.fields.forEach((f, i) => {
    const v = `v${i}`;
    out.push(`  const ${v} = p.${f.name};`, `  if (${v} != null) {`, `    flags |= ${hex4(f.flag)};`);
    out.push(...writeProperty(f.type, v).map((l) => `    ${l}`));
    if (f.type === "table" && i + 1 < p.fields.length) {
      out.push(`    if (o + ${boundOfProperties(p.fields.slice(i + 1))} > b.length) throw bufferTooSmall(b, o);`);
    }
    out.push("  }");
  });
  out.push("  b[start] = flags >>> 8;", "  b[start + 1] = flags & 0xff;", "  return o;", "}", "");
  return out;
}

function writeProperty(type: WireType, v: string): string[] {
  switch (type) {
    case "shortstr":
      return [`o = writeShortString(b, o, ${v});`];
    case "longstr":
      return [`o = writeLongString(b, o, ${v});`];
    case "table":
      return [`o = encodeFieldTable(b, o, ${v});`];
    case "octet":
      return [`b.writeUInt8(${v}, o);`, "o += 1;"];
    case "short":
      return [`b.writeUInt16BE(${v}, o);`, "o += 2;"];
    case "long":
      return [`b.writeUInt32BE(${v}, o);`, "o += 4;"];
    case "longlong":
    case "timestamp":
      return [`writeLongLong(b, o, ${v});`, "o += 8;"];
    case "bit":
      throw new Error("codegen: bit properties are carried in the flags and have no value");
  }
}

/** Upper bound of the encoded size of `fields` (all present), as a TypeScript expression. */
function boundOfProperties(fields: readonly FieldModel[]): string {
  let fixed = 0;
  let dynamic = "";
  for (const f of fields) {
    if (f.type === "shortstr") fixed += SHORTSTR_BOUND;
    else if (f.type === "table") fixed += 4;
    else if (f.type === "longstr") {
      fixed += 4;
      dynamic += ` + (p.${f.name}?.length ?? 0)`;
    } else fixed += FIXED_SIZE[f.type] ?? 0;
  }
  return `${fixed}${dynamic}`;
}

export function emitProperties(model: ProtocolModel): string {
  const body: string[] = [];
  for (const p of model.properties) body.push(...emitOne(p));
  body.push("/** Property metadata, in flag order, for tools and tests. */");
  body.push("export const PROPERTIES: Readonly<Record<number, readonly { readonly name: string; readonly specName: string; readonly type: string; readonly flag: number }[]>> = {");
  for (const p of model.properties) {
    body.push(`  ${p.classId}: [`);
    for (const f of p.fields) body.push(`    { name: "${f.name}", specName: "${f.specName}", type: "${f.type}", flag: ${hex4(f.flag)} },`);
    body.push("  ],");
  }
  body.push("};", "");
  const text = body.join("\n");
  const imports = importsFor(text);
  const typeImports = text.includes("FieldTable") ? ['import type { FieldTable } from "../field-table.js";'] : [];
  return [HEADER, ...imports, ...typeImports, "", text].join("\n");
}

/**
 * Stage 3: straight-line encoders and decoders for one argument list. Shared by methods and
 * content properties; no field list is interpreted at run time.
 */
import { FIXED_SIZE, type FieldModel, type LayoutStep, layout } from "./model.js";

/** Upper bound, in octets, of a shortstr on the wire. */
export const SHORTSTR_BOUND = 256;

function readFixed(f: FieldModel, at: string): string {
  switch (f.type) {
    case "octet":
      return `b[${at}]!`;
    case "short":
      return `(b[${at}]! << 8) | b[${at} + 1]!`;
    case "long":
      return `b.readUInt32BE(${at})`;
    case "longlong":
    case "timestamp":
      return `readLongLong(b, ${at})`;
    default:
      throw new Error(`codegen: ${f.type} is not a fixed-size type`);
  }
}

function writeFixed(f: FieldModel, value: string, at: string): string {
  switch (f.type) {
    case "octet":
      return `b.writeUInt8(${value}, ${at});`;
    case "short":
      return `b.writeUInt16BE(${value}, ${at});`;
    case "long":
      return `b.writeUInt32BE(${value}, ${at});`;
    case "longlong":
    case "timestamp":
      return `writeLongLong(b, ${at}, ${value});`;
    default:
      throw new Error(`codegen: ${f.type} is not a fixed-size type`);
  }
}

const at = (k: number): string => (k === 0 ? "o" : `o + ${k}`);

/**
 * Names a field's local variable cannot have: reserved words of strict-mode modules, and the names
 * the generated code itself uses (`b`, `o`, `e`, `n`, `id`, `flags`, `start`, `p`, `a`, `bitsN`, `vN`).
 */
const RESERVED_LOCALS: ReadonlySet<string> = new Set(
  (
    "arguments await break case catch class const continue debugger default delete do else enum eval export extends " +
    "false finally for function if implements import in instanceof interface let new null package private protected " +
    "public return static super switch this throw true try typeof var void while with yield undefined " +
    "a b e n o p id flags start more"
  ).split(" "),
);

/** The local variable a decoder keeps a field in. */
export function local(name: string): string {
  return RESERVED_LOCALS.has(name) || /^(bits|v)\d+$/.test(name) ? `${name}_` : name;
}

/**
 * Statements that decode `fields` from `b` between `o` and `e` into `const` locals named after the
 * fields. `fail` is the expression thrown when the input is short.
 */
export function emitDecodeSteps(fields: readonly FieldModel[], fail: string, indent = "  "): string[] {
  const out: string[] = [];
  const steps = layout(fields);
  let bitGroup = 0;
  /** Octets still covered by the last bounds check (a run of fixed-size steps needs only one). */
  let checked = 0;
  steps.forEach((step, i) => {
    if ((step.kind === "fixed" || step.kind === "bits") && checked === 0) {
      let run = 0;
      for (const s of steps.slice(i)) {
        if (s.kind === "fixed") run += s.size;
        else if (s.kind === "bits") run += 1;
        else break;
      }
      out.push(`if (o + ${run} > e) throw ${fail};`);
      checked = run;
    }
    switch (step.kind) {
      case "fixed": {
        let k = 0;
        for (const f of step.fields) {
          out.push(`const ${local(f.name)} = ${readFixed(f, at(k))};`);
          k += FIXED_SIZE[f.type] ?? 0;
        }
        out.push(`o += ${step.size};`);
        checked -= step.size;
        break;
      }
      case "bits": {
        const v = `bits${bitGroup++}`;
        out.push(`const ${v} = b[o]!;`, "o += 1;");
        step.fields.forEach((f, j) => out.push(`const ${local(f.name)} = (${v} & ${1 << j}) !== 0;`));
        checked -= 1;
        break;
      }
      case "shortstr":
        out.push(
          `if (o >= e) throw ${fail};`,
          "n = b[o]!;",
          "o += 1;",
          `if (o + n > e) throw ${fail};`,
          `const ${local(step.field.name)} = readShortString(b, o, o + n);`,
          "o += n;",
        );
        break;
      case "longstr":
      case "table":
        out.push(
          `if (o + 4 > e) throw ${fail};`,
          "n = b.readUInt32BE(o);",
          "o += 4;",
          `if (o + n > e) throw ${fail};`,
          step.kind === "longstr"
            ? `const ${local(step.field.name)} = b.subarray(o, o + n);`
            : `const ${local(step.field.name)} = decodeFieldTable(b, o, o + n);`,
          "o += n;",
        );
        break;
    }
  });
  return out.map((l) => indent + l);
}

/** True when the decode statements use the scratch length `n`. */
export function needsLength(fields: readonly FieldModel[]): boolean {
  return fields.some((f) => f.type === "shortstr" || f.type === "longstr" || f.type === "table");
}

/** The default written for a reserved field the caller left out. */
function reservedDefault(f: FieldModel): string {
  switch (f.type) {
    case "bit":
      return "false";
    case "shortstr":
      return '""';
    case "longstr":
      return "EMPTY";
    case "table":
      return "EMPTY_TABLE";
    default:
      return "0";
  }
}

/** The expression reading an argument, with the default for reserved and optional fields. */
export function argument(f: FieldModel, source = "a"): string {
  if (f.reserved || f.type === "table") return `(${source}.${f.name} ?? ${reservedDefault(f)})`;
  return `${source}.${f.name}`;
}

/** Upper bound of the encoded size of the steps from `from` on, as a TypeScript expression. */
export function boundOf(steps: readonly LayoutStep[], from = 0, source = "a"): string {
  let fixed = 0;
  const dynamic: string[] = [];
  for (const step of steps.slice(from)) {
    switch (step.kind) {
      case "fixed":
        fixed += step.size;
        break;
      case "bits":
        fixed += 1;
        break;
      case "shortstr":
        fixed += SHORTSTR_BOUND;
        break;
      case "table":
        fixed += 4;
        break;
      case "longstr":
        fixed += 4;
        dynamic.push(step.field.reserved ? `(${source}.${step.field.name}?.length ?? 0)` : `${source}.${step.field.name}.length`);
        break;
    }
  }
  return [String(fixed), ...dynamic].join(" + ");
}

/** Statements that encode the fields of `a` into `b` at `o`, advancing `o`. */
export function emitEncodeSteps(fields: readonly FieldModel[], indent = "  "): string[] {
  const steps = layout(fields);
  const out: string[] = [];
  steps.forEach((step, i) => {
    switch (step.kind) {
      case "fixed": {
        let k = 0;
        for (const f of step.fields) {
          out.push(writeFixed(f, argument(f), at(k)));
          k += FIXED_SIZE[f.type] ?? 0;
        }
        out.push(`o += ${step.size};`);
        break;
      }
      case "bits":
        out.push(`b[o] = ${step.fields.map((f, j) => `(${argument(f)} ? ${1 << j} : 0)`).join(" | ")};`, "o += 1;");
        break;
      case "shortstr":
        out.push(`o = writeShortString(b, o, ${argument(step.field)});`);
        break;
      case "longstr":
        out.push(`o = writeLongString(b, o, ${argument(step.field)});`);
        break;
      case "table": {
        out.push(`o = encodeFieldTable(b, o, ${argument(step.field)});`);
        if (i + 1 < steps.length) out.push(`if (o + ${boundOf(steps, i + 1)} > b.length) throw bufferTooSmall(b, o);`);
        break;
      }
    }
  });
  return out.map((l) => indent + l);
}

/** The hand-written helpers generated code may call, by the module that exports them. */
const HELPERS: readonly (readonly [string, readonly string[]])[] = [
  ["../errors.js", ["bufferTooSmall", "malformedMethod", "malformedProperties", "ProtocolError"]],
  ["../field-table.js", ["decodeFieldTable", "EMPTY_TABLE", "encodeFieldTable"]],
  ["../primitives.js", ["EMPTY", "readLongLong", "readShortString", "writeLongLong", "writeLongString", "writeShortString"]],
];

/** Import lines for exactly the helpers that `code` uses. */
export function importsFor(code: string): string[] {
  // Only code counts: a helper named in a comment is not used.
  code = code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  const lines: string[] = [];
  for (const [from, names] of HELPERS) {
    const used = names.filter((n) => new RegExp(`\\b${n}\\b`).test(code));
    if (used.length > 0) lines.push(`import { ${used.join(", ")} } from "${from}";`);
  }
  return lines;
}

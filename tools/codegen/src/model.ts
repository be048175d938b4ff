/**
 * Stage 2: the parsed spec -> what the emitters need: TypeScript names, ids, the TypeScript type of
 * each field, and the wire layout of each argument list (bits packed into octets, fixed-size runs).
 */
import { camelCase, constantCase, pascalCase } from "./names.js";
import type { Field, Spec, WireType } from "./spec.js";

export interface FieldModel {
  /** camelCase name, e.g. `routingKey`. */
  readonly name: string;
  readonly specName: string;
  readonly type: WireType;
  readonly reserved: boolean;
  /** The TypeScript type of the decoded value. */
  readonly tsType: string;
}

export interface MethodModel {
  /** `basic.publish` */
  readonly fullName: string;
  /** `BasicPublish` */
  readonly typeName: string;
  /** `BASIC_PUBLISH` */
  readonly constName: string;
  readonly classId: number;
  readonly methodId: number;
  /** `(classId << 16) | methodId`, the integer the decoders switch on. */
  readonly id: number;
  readonly synchronous: boolean;
  readonly content: boolean;
  readonly responses: readonly number[];
  readonly fields: readonly FieldModel[];
}

export interface PropertiesModel {
  readonly classId: number;
  /** `BasicProperties` */
  readonly typeName: string;
  readonly fields: readonly (FieldModel & { readonly flag: number })[];
}

export interface ProtocolModel {
  readonly classes: readonly { readonly name: string; readonly typeName: string; readonly id: number }[];
  readonly methods: readonly MethodModel[];
  readonly properties: readonly PropertiesModel[];
}

export function tsTypeOf(type: WireType): string {
  switch (type) {
    case "bit":
      return "boolean";
    case "octet":
    case "short":
    case "long":
    case "longlong":
    case "timestamp":
      return "number";
    case "shortstr":
      return "string";
    case "longstr":
      return "Buffer";
    case "table":
      return "FieldTable";
  }
}

function fieldModel(f: Field): FieldModel {
  return { name: camelCase(f.name), specName: f.name, type: f.type, reserved: f.reserved, tsType: tsTypeOf(f.type) };
}

export function buildModel(spec: Spec): ProtocolModel {
  const methods: MethodModel[] = [];
  const properties: PropertiesModel[] = [];
  for (const c of spec.classes) {
    const ids = new Map(c.methods.map((m) => [m.name, c.index * 0x10000 + m.index]));
    for (const m of c.methods) {
      methods.push({
        fullName: `${c.name}.${m.name}`,
        typeName: pascalCase(c.name, m.name),
        constName: constantCase(`${c.name}-${m.name}`),
        classId: c.index,
        methodId: m.index,
        id: c.index * 0x10000 + m.index,
        synchronous: m.synchronous,
        content: m.content,
        responses: m.responses.map((r) => {
          const id = ids.get(r);
          if (id === undefined) throw new Error(`spec: ${c.name}.${m.name} answered by unknown ${r}`);
          return id;
        }),
        fields: m.fields.map(fieldModel),
      });
    }
    if (c.properties.length > 0) {
      if (c.properties.length > 15) throw new Error(`spec: ${c.name} has more than 15 properties`);
      properties.push({
        classId: c.index,
        typeName: pascalCase(c.name, "properties"),
        fields: c.properties.map((p, i) => ({ ...fieldModel(p), flag: 1 << (15 - i) })),
      });
    }
  }
  const seen = new Set<number>();
  for (const m of methods) {
    if (seen.has(m.id)) throw new Error(`spec: duplicate method id ${m.classId}/${m.methodId}`);
    seen.add(m.id);
  }
  return {
    classes: spec.classes.map((c) => ({ name: c.name, typeName: pascalCase(c.name), id: c.index })),
    methods,
    properties,
  };
}

/** One step of an argument list's wire layout. */
export type LayoutStep =
  | { readonly kind: "fixed"; readonly fields: readonly FieldModel[]; readonly size: number }
  | { readonly kind: "bits"; readonly fields: readonly FieldModel[] }
  | { readonly kind: "shortstr"; readonly field: FieldModel }
  | { readonly kind: "longstr"; readonly field: FieldModel }
  | { readonly kind: "table"; readonly field: FieldModel };

export const FIXED_SIZE: Partial<Record<WireType, number>> = { octet: 1, short: 2, long: 4, longlong: 8, timestamp: 8 };

/**
 * Splits an argument list into steps: consecutive bits share an octet (eight at most, first bit in
 * the lowest position, as the spec says), consecutive fixed-size fields form one run that needs one
 * bounds check, strings and tables stand alone.
 */
export function layout(fields: readonly FieldModel[]): LayoutStep[] {
  const steps: LayoutStep[] = [];
  for (const f of fields) {
    const last = steps[steps.length - 1];
    if (f.type === "bit") {
      if (last?.kind === "bits" && last.fields.length < 8) steps[steps.length - 1] = { kind: "bits", fields: [...last.fields, f] };
      else steps.push({ kind: "bits", fields: [f] });
    } else if (f.type === "shortstr" || f.type === "longstr" || f.type === "table") {
      steps.push({ kind: f.type, field: f });
    } else {
      const size = FIXED_SIZE[f.type] ?? 0;
      if (last?.kind === "fixed") steps[steps.length - 1] = { kind: "fixed", fields: [...last.fields, f], size: last.size + size };
      else steps.push({ kind: "fixed", fields: [f], size });
    }
  }
  return steps;
}

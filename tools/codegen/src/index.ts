/** The code generator: spec XML -> model -> TypeScript files of @amqp-go/protocol. */
import { emitConstants } from "./emit-constants.js";
import { emitMethodCodec, emitMethodInfo, emitMethodTypes } from "./emit-methods.js";
import { emitProperties } from "./emit-properties.js";
import { buildModel } from "./model.js";
import { parseSpec } from "./spec.js";

export { camelCase, constantCase, pascalCase } from "./names.js";
export { buildModel, layout, type MethodModel, type ProtocolModel } from "./model.js";
export { parseSpec, type Spec } from "./spec.js";

/** Every generated file, by name within packages/protocol/src/generated/. */
export function generate(specXml: string): Record<string, string> {
  const spec = parseSpec(specXml);
  const model = buildModel(spec);
  return {
    "constants.ts": emitConstants(spec),
    "methods.ts": emitMethodTypes(model),
    "method-codec.ts": emitMethodCodec(model),
    "method-info.ts": emitMethodInfo(model),
    "properties.ts": emitProperties(model),
  };
}

/**
 * Named scenarios: a JSON file mapping a name to option values in their flag spelling
 * (`{"1p1c": {"description": "...", "producers": 1, "size": 256}}`). The package ships
 * `scenarios.json`; `--scenario-file` reads another.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { UsageError } from "./errors.js";
import { checkRaw, type RawOptions } from "./options.js";

export const DEFAULT_SCENARIO_FILE = fileURLToPath(new URL("../scenarios.json", import.meta.url));

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly options: RawOptions;
}

export function loadScenarios(file: string = DEFAULT_SCENARIO_FILE): Scenario[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${file}: expected an object of named scenarios`);
  }
  return Object.entries(parsed as Record<string, unknown>).map(([name, value]) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new UsageError(`${file}: scenario "${name}" must be an object of options`);
    }
    const { description, ...options } = value as Record<string, unknown>;
    return { name, description: typeof description === "string" ? description : "", options: checkRaw(options, `${file}: scenario "${name}"`) };
  });
}

export function findScenario(name: string, file?: string): Scenario {
  const all = loadScenarios(file);
  const found = all.find((s) => s.name === name);
  if (found === undefined) throw new UsageError(`unknown scenario "${name}" (scenarios: ${all.map((s) => s.name).join(", ")})`);
  return found;
}

/** A textarea for a JSON object (arguments, headers, policy definitions), parsed on submit. */
import { h } from "./dom.js";

export function jsonArea(name: string, placeholder: string): HTMLTextAreaElement {
  return h("textarea", { name, rows: 3, placeholder, spellcheck: false, class: "mono" });
}

/** The object typed in `area` ({} when empty); throws a readable error for anything else. */
export function jsonObject(area: HTMLTextAreaElement, what: string): Record<string, unknown> {
  const text = area.value.trim();
  if (text === "") return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`${what}: not JSON (${(err as Error).message})`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`${what}: must be a JSON object, such as {"x-max-length": 1000}`);
  return v as Record<string, unknown>;
}

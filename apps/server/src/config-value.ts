/**
 * The kinds of value a config key can hold. Each kind reads the text of an environment variable or
 * flag (`fromText`) and a JSON value from the config file (`fromJson`), and returns `undefined` when
 * the input is not a valid value; the caller turns that into a ConfigError naming the source and
 * `expected`.
 */
import { type NumberSetting, settingAccepts, settingExpects } from "@amqp-go/broker";

export interface ConfigValue<T> {
  /** What a valid value is, for error messages: "an integer from 0 to 65535". */
  readonly expected: string;
  readonly default: T;
  fromText(text: string): T | undefined;
  fromJson(value: unknown): T | undefined;
}

/** Decimal numbers only: `Number()` would also take "", "0x10", "Infinity" and " ". */
const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function numberFromText(text: string): number | undefined {
  const trimmed = text.trim();
  return NUMBER_TEXT.test(trimmed) ? Number(trimmed) : undefined;
}

/** A number with its default and range from a settings table (an integer in [min, max], or a fraction of memory). */
export function number(setting: NumberSetting): ConfigValue<number> {
  const check = (n: unknown): number | undefined => (settingAccepts(setting, n) ? n : undefined);
  return {
    expected: settingExpects(setting),
    default: setting.default,
    fromText: (text) => check(numberFromText(text)),
    fromJson: check,
  };
}

/** A non-empty string. */
export function text(defaultValue: string): ConfigValue<string> {
  const check = (s: unknown): string | undefined => (typeof s === "string" && s !== "" ? s : undefined);
  return { expected: "a non-empty string", default: defaultValue, fromText: check, fromJson: check };
}

/** A string, or null when unset: `null` in the file, the empty string in a variable or flag. */
export function optionalText(): ConfigValue<string | null> {
  return {
    expected: "a string, or null to unset",
    default: null,
    fromText: (s) => (s === "" ? null : s),
    fromJson: (s) => (s === null ? null : typeof s === "string" && s !== "" ? s : undefined),
  };
}

/** One of a fixed set of words. */
export function oneOf<const W extends string>(words: readonly W[], defaultValue: W): ConfigValue<W> {
  const check = (s: unknown): W | undefined => (words as readonly unknown[]).includes(s) ? (s as W) : undefined;
  return { expected: `one of ${words.join(", ")}`, default: defaultValue, fromText: (s) => check(s.trim()), fromJson: check };
}

/** true or false; in a variable or flag, the words true/false (or 1/0). */
export function boolean(defaultValue: boolean): ConfigValue<boolean> {
  const words: Readonly<Record<string, boolean>> = { true: true, false: false, "1": true, "0": false };
  return {
    expected: "true or false",
    default: defaultValue,
    fromText: (s) => words[s.trim().toLowerCase()],
    fromJson: (b) => (typeof b === "boolean" ? b : undefined),
  };
}

/** A list of names: a JSON array of strings in the file, comma-separated in a variable or flag ("" is the empty list). */
export function textList(defaultValue: readonly string[]): ConfigValue<readonly string[]> {
  return {
    expected: "a list of names (a JSON array of strings, or comma-separated)",
    default: defaultValue,
    fromText: (s) => s.split(",").map((w) => w.trim()).filter((w) => w !== ""),
    fromJson: (a) => (Array.isArray(a) && a.every((w) => typeof w === "string" && w !== "") ? (a as string[]) : undefined),
  };
}

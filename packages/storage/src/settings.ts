/**
 * A package's settings as one table: each entry is a number with its default, its range and one
 * line of doc. The package derives its option types, defaults and checks from its table
 * (`STORAGE_SETTINGS` here, `BROKER_SETTINGS` in @amqp-go/broker), and apps/server builds its
 * flags, config-file keys, AMQP_* variables and --help from the same entries, so a default or a
 * range is written in one place only. These helpers live here, the lowest package with settings.
 */

export interface NumberSetting {
  readonly default: number;
  /** Smallest and largest value accepted, inclusive; values are integers. */
  readonly min: number;
  readonly max: number;
  /**
   * A value in (0, 1] is a fraction of the machine's memory (RabbitMQ's `.relative`), above 1 a
   * byte count (`.absolute`) up to `max`; `min` is then unused.
   */
  readonly fractionOfMemory?: true;
  /** One line, for --help and the docs. */
  readonly doc: string;
}

export type SettingTable = Readonly<Record<string, NumberSetting>>;

/** The options a table describes, each optional: what a caller passes. */
export type OptionsOf<T extends SettingTable> = { [K in keyof T]?: number };

/** Every option of a table with its default filled in. */
export type ResolvedOptionsOf<T extends SettingTable> = { readonly [K in keyof T]: number };

/** Whether `value` is in the setting's range. */
export function settingAccepts(setting: NumberSetting, value: unknown): value is number {
  if (typeof value !== "number") return false;
  if (setting.fractionOfMemory === true && value > 0 && value <= 1) return true;
  return Number.isSafeInteger(value) && value >= setting.min && value <= setting.max;
}

/** What a valid value is, for error messages: "an integer from 0 to 65535". */
export function settingExpects(setting: NumberSetting): string {
  return setting.fractionOfMemory === true
    ? "a fraction of total memory in (0, 1] or a byte count (an integer above 1)"
    : `an integer from ${setting.min} to ${setting.max}`;
}

/** A fraction-of-memory value in bytes: a fraction in (0, 1] is taken of `totalMemory`. */
export function bytesOfMemory(value: number, totalMemory: number): number {
  return value <= 1 ? Math.floor(value * totalMemory) : value;
}

/**
 * The options with their defaults filled in; throws a RangeError naming the first value out of
 * range (`what` starts the message: "storage option walBatchSize must be ...").
 */
export function resolveSettings<T extends SettingTable>(table: T, given: OptionsOf<T>, what: string): ResolvedOptionsOf<T> {
  const resolved: Record<string, number> = {};
  for (const [name, setting] of Object.entries(table)) {
    const value = (given as Record<string, number | undefined>)[name] ?? setting.default;
    if (!settingAccepts(setting, value)) throw new RangeError(`${what} option ${name} must be ${settingExpects(setting)}, not ${value}`);
    resolved[name] = value;
  }
  return resolved as ResolvedOptionsOf<T>;
}

/**
 * SIGHUP: what a running server takes up again without a restart. The log file is reopened (after
 * logrotate renamed it), the users file is read again, and the config is loaded again from the
 * same sources as at start (the --config file, the environment, the flags): the settings marked
 * `live` in settings.ts are applied, any other that changed is reported as needing a restart (and
 * keeps its running value). A config that no longer loads changes nothing.
 */
import type { Logger } from "pino";
import { type ConfigSources, loadConfig, type ServerConfig } from "./config.js";
import { ConfigError } from "./errors.js";
import { type SettingEntry, SETTING_ENTRIES } from "./settings.js";
import type { ServerUsers } from "./users.js";

/** What a reload did, as logged in its one line. */
export interface ReloadReport {
  /** The log file was reopened (false: no log file, or it could not be opened, see `logError`). */
  readonly logReopened: boolean;
  readonly logError?: string;
  /** Live settings that changed and were applied, "section.key". */
  readonly applied: readonly string[];
  /** Settings that changed but apply only at the next start. */
  readonly needsRestart: readonly string[];
  /** Why the config was not reloaded (it does not load any more). */
  readonly configError?: string;
}

/** What live settings are applied to. */
export interface LiveTargets {
  readonly logger: Logger;
  readonly users: ServerUsers;
}

/** Sets every live setting of `config` on the running parts; each is cheap and idempotent. */
export function applyLive(config: ServerConfig, { logger, users }: LiveTargets): void {
  logger.level = config.log.level;
  users.configure(config);
}

const value = (config: ServerConfig, { section, key }: SettingEntry): string =>
  JSON.stringify((config[section] as Readonly<Record<string, unknown>>)[key]);

/**
 * Loads the config again and splits what changed: the result is `running` with the live changes
 * taken from the new config, and the names of the changed settings.
 */
export function reloadConfig(
  sources: ConfigSources,
  running: ServerConfig,
): { readonly config: ServerConfig; readonly applied: string[]; readonly needsRestart: string[] } | { readonly error: string } {
  let loaded: ServerConfig;
  try {
    loaded = loadConfig(sources);
  } catch (err) {
    if (err instanceof ConfigError) return { error: err.message };
    throw err;
  }
  const next = structuredClone(running) as unknown as Record<string, Record<string, unknown>>;
  const applied: string[] = [];
  const needsRestart: string[] = [];
  for (const entry of SETTING_ENTRIES) {
    if (value(loaded, entry) === value(running, entry)) continue;
    const name = `${entry.section}.${entry.key}`;
    if (entry.setting.live === true) {
      (next[entry.section] as Record<string, unknown>)[entry.key] = (loaded[entry.section] as Readonly<Record<string, unknown>>)[entry.key];
      applied.push(name);
    } else {
      needsRestart.push(name);
    }
  }
  return { config: next as unknown as ServerConfig, applied, needsRestart };
}

/**
 * The --config file's text: JSON when its name ends in .json, YAML otherwise (.yaml, .yml; YAML 1.2
 * reads JSON too, so a JSON file under another name still loads). YAML is read
 * with the `yaml` package's YAML 1.2 core schema (so `no` and `off` are strings, not booleans, and
 * a duplicate key is an error), which gives the same values JSON would.
 */
import { parse as parseYaml } from "yaml";
import { ConfigError } from "./errors.js";

export type ConfigFormat = "json" | "yaml";

export function configFormat(path: string): ConfigFormat {
  return /\.json$/i.test(path) ? "json" : "yaml";
}

/** The file's value (to be checked by the caller); a ConfigError names the file and the syntax error. */
export function parseConfigText(text: string, path: string): unknown {
  if (configFormat(path) === "json") {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`${path}: not valid JSON: ${(err as Error).message}`);
    }
  }
  try {
    // An empty YAML file is no settings, not null.
    return parseYaml(text, { schema: "core", uniqueKeys: true, prettyErrors: true }) ?? {};
  } catch (err) {
    throw new ConfigError(`${path}: not valid YAML: ${oneLine((err as Error).message)}`);
  }
}

/** yaml's pretty errors quote the offending line below the message: keep the first line. */
function oneLine(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/:$/, "");
}

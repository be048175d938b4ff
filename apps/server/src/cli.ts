/**
 * The command line: yargs turns argv into a config file path and flag overrides, or into text to
 * print (--help, --version). Every setting of settings.ts has a flag, named from its section and
 * key (`--wal-batch-size`, `--log-level`), described by its doc and default. Every flag is read as text and checked by the config layer, so a bad
 * `--port` gets the same message as a bad AMQP_SERVER_PORT. No flag has a yargs default: an absent
 * flag must not hide the file or the environment.
 */
import { readFileSync } from "node:fs";
import yargs from "yargs";
import { ADMIN_NOUNS, type AdminCommandLine, parseAdminCommandLine } from "./admin-cli.js";
import type { Override } from "./config.js";
import { CTL_VERBS } from "./ctl/command-line.js";
import { ConfigError } from "./errors.js";
import { SECTIONS, type SettingEntry, SETTING_ENTRIES, SETTINGS } from "./settings.js";

export type CommandLine =
  | { readonly kind: "run"; readonly configFile: string | undefined; readonly flags: readonly Override[] }
  | { readonly kind: "print"; readonly text: string }
  /** --generate-config FILE. */
  | { readonly kind: "generate-config"; readonly file: string }
  | AdminCommandLine;

/** The flags, from the settings table: `--data-dir` -> server.data_dir. */
const FLAGS: ReadonlyMap<string, SettingEntry> = new Map(SETTING_ENTRIES.map((entry) => [entry.flag, entry]));

/** The version of this package, for --version. */
export const version: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** A flag's line in --help: the setting's doc, its default, and whether it applies live. */
function describe({ setting }: SettingEntry): string {
  const value = setting.value.default;
  const shown = value === null || (Array.isArray(value) && value.length === 0) ? "" : ` (default: ${String(value)})`;
  return `${setting.doc}${shown}${setting.live === true ? " [applied on SIGHUP]" : ""}`;
}

/** `usageConfiguration` is in yargs 18 but not in @types/yargs 17. */
interface UsageConfigurable {
  usageConfiguration(config: { "hide-types": boolean }): unknown;
}

function keyList(): string {
  return Object.entries(SETTINGS)
    .map(([section, keys]) => `  ${section}: ${Object.keys(keys).join(", ")}`)
    .join("\n");
}

function parser(args: readonly string[]) {
  let cli = yargs([...args])
    .scriptName("amqp-server")
    .usage(
      "$0 [options]\n$0 users|vhosts|permissions|definitions <command> (see $0 users --help)\n" +
        "amqpctl list_queues|purge_queue|set_policy|... (a running server's objects: see amqpctl --help)\n\n" +
        "An AMQP 0.9.1 broker for RabbitMQ clients (amqp-go).",
    )
    .locale("en")
    .strict()
    .exitProcess(false)
    .showHelpOnFail(false)
    .parserConfiguration({ "duplicate-arguments-array": false })
    .option("config", { type: "string", requiresArg: true, describe: "Read settings from this YAML (.yaml, .yml) or JSON (.json) file (see below)" })
    .option("generate-config", { type: "string", requiresArg: true, describe: "Write a config file with every setting at its default, commented (YAML; JSON for .json), and exit" });
  for (const [name, entry] of FLAGS) cli = cli.option(name, { type: "string", requiresArg: true, describe: describe(entry) });
  // One group a section, titled with where else its keys are set.
  for (const section of SECTIONS) {
    const names = SETTING_ENTRIES.filter((e) => e.section === section).map((e) => e.flag);
    cli = cli.group(names, `${section} (file: "${section}": {...}, environment: AMQP_${section.toUpperCase()}_<KEY>):`);
  }
  // Every flag is read as text, so yargs' "[string]" labels would mislead: hide them.
  (cli as unknown as UsageConfigurable).usageConfiguration({ "hide-types": true });
  return cli
    .help("help")
    .alias("help", "h")
    .version(version)
    .example("$0", "listen on 5672 on every interface")
    .example("$0 --port 5673 --log-level debug", "another port, debug logs")
    .example("$0 --config /etc/amqp-server/amqp-server.yaml", "settings from a file")
    .example("$0 --generate-config amqp-server.yaml", "write every setting, commented, to start one from")
    .example("AMQP_CONNECTION_HEARTBEAT=30 $0", "override one key from the environment")
    .epilogue(
      "Precedence: defaults < --config file < AMQP_<SECTION>_<KEY> environment variables < flags.\n" +
        'The file is YAML ("server: {port: 5673}", --generate-config writes one) or JSON ({"server": {"port": 5673}}), with these keys:\n' +
        keyList(),
    )
    .wrap(100);
}

/** Parses argv (without node and the script). Throws a ConfigError for an unknown or bad flag. */
export function parseCommandLine(args: readonly string[]): CommandLine {
  if (args[0] !== undefined && ADMIN_NOUNS.has(args[0])) return parseAdminCommandLine(args);
  if (args[0] !== undefined && CTL_VERBS.has(args[0])) throw new ConfigError(`${args[0]} talks to a running server: run it with amqpctl (amqpctl ${args[0]} --help)`);
  let result: CommandLine | undefined;
  let failure: Error | undefined;
  parser(args).parse([...args], {}, (err, argv, output) => {
    if (err) {
      failure = err;
      return;
    }
    if (output !== "") {
      result = { kind: "print", text: output };
      return;
    }
    const parsed = argv as Record<string, unknown>;
    // In the order given (yargs keeps it), each flag once: the last of a repeated one wins.
    const flags: Override[] = [];
    for (const [name, text] of Object.entries(parsed)) {
      const entry = FLAGS.get(name);
      if (entry !== undefined && typeof text === "string") flags.push({ section: entry.section, key: entry.key, text, source: `--${name}` });
    }
    if (typeof parsed["generate-config"] === "string") {
      result = { kind: "generate-config", file: parsed["generate-config"] };
      return;
    }
    const configFile = typeof parsed["config"] === "string" ? parsed["config"] : undefined;
    result = { kind: "run", configFile, flags };
  });
  if (failure !== undefined) throw new ConfigError(failure.message);
  if (result === undefined) throw new Error("yargs did not call back synchronously");
  return result;
}

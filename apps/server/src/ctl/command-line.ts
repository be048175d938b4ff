/**
 * amqpctl's command line: rabbitmqctl's verbs and argument order (`set_policy [--vhost v]
 * [--priority n] [--apply-to queues] name pattern definition`), plus where the management API is
 * (`--url`, or `--host` and `--management-port`) and who logs in (`-u`, `-p`, as rabbitmqadmin:
 * the vhost is `--vhost`, not rabbitmqctl's `-p`). Unset, they come from the server's own config
 * (`--config`, AMQP_* variables): its management port and default user, else guest/guest.
 */
import yargs, { type Argv } from "yargs";
import { parseQuietly } from "../yargs-parse.js";
import { CtlError, EX_USAGE } from "./client.js";
import { LISTINGS } from "./listings.js";

export type CtlAction =
  | { readonly verb: "list"; readonly listing: string; readonly columns: readonly string[] }
  | { readonly verb: "purge_queue"; readonly queue: string }
  | { readonly verb: "delete_queue"; readonly queue: string; readonly ifEmpty: boolean; readonly ifUnused: boolean }
  | { readonly verb: "close_connection"; readonly name: string; readonly reason: string }
  | { readonly verb: "close_all_connections"; readonly reason: string; readonly global: boolean }
  | { readonly verb: "set_policy"; readonly name: string; readonly pattern: string; readonly definition: string; readonly priority: string | undefined; readonly applyTo: string }
  | { readonly verb: "clear_policy"; readonly name: string }
  | { readonly verb: "set_parameter"; readonly component: string; readonly name: string; readonly value: string }
  | { readonly verb: "clear_parameter"; readonly component: string; readonly name: string }
  | { readonly verb: "set_global_parameter"; readonly name: string; readonly value: string }
  | { readonly verb: "clear_global_parameter"; readonly name: string }
  | { readonly verb: "export_definitions"; readonly file: string }
  | { readonly verb: "import_definitions"; readonly file: string };

export interface CtlCommandLine {
  readonly kind: "ctl";
  readonly action: CtlAction;
  readonly url: string | undefined;
  readonly host: string | undefined;
  readonly managementPort: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly configFile: string | undefined;
  readonly vhost: string;
  readonly formatter: "table" | "json";
  /** --timeout, seconds. */
  readonly timeout: string | undefined;
  /** -q: no "Listing ..." line; -s: no header row either. */
  readonly quiet: boolean;
  readonly silent: boolean;
}

/** Every verb, for amqp-server to point at amqpctl when given one. */
export const CTL_VERBS: ReadonlySet<string> = new Set([
  ...Object.keys(LISTINGS),
  ...["purge_queue", "delete_queue", "close_connection", "close_all_connections", "set_policy", "clear_policy"],
  ...["set_parameter", "clear_parameter", "set_global_parameter", "clear_global_parameter", "export_definitions", "import_definitions"],
]);

type Args = Record<string, unknown>;
/** A repeated flag is an array (the variadic columns need duplicate arguments kept): the last wins. */
const last = (v: unknown): unknown => (Array.isArray(v) ? v[v.length - 1] : v);
const str = (argv: Args, key: string): string => String(last(argv[key]) ?? "");
const opt = (argv: Args, key: string): string | undefined => {
  const v = last(argv[key]);
  return typeof v === "string" ? v : undefined;
};

/** yargs reads a lone `-` (stdin or stdout) as an empty string. */
const fileOf = (argv: Args): string => {
  const file = str(argv, "file");
  return file === "" ? "-" : file;
};

/** Parses amqpctl's arguments; `print` for --help. Throws a CtlError (exit 64) for a bad command line. */
export function parseCtlCommandLine(args: readonly string[]): CtlCommandLine | { readonly kind: "print"; readonly text: string } {
  let action: CtlAction | undefined;
  const on = (a: (argv: Args) => CtlAction) => (argv: Args) => void (action = a(argv));
  const positional = (y: Argv, name: string, describe: string) => y.positional(name, { type: "string", describe });

  let cli = yargs()
    .scriptName("amqpctl")
    .usage("$0 [--url URL] [-u USER] [-p PASSWORD] <verb> [arguments]\n\nManages a running amqp-server through its management API (rabbitmqctl's verbs).")
    .locale("en")
    .strict()
    .exitProcess(false)
    .showHelpOnFail(false)
    .parserConfiguration({ "parse-numbers": false, "parse-positional-numbers": false })
    .option("url", { type: "string", requiresArg: true, describe: "The management API, e.g. http://127.0.0.1:15672 (default: --host and --management-port)" })
    .option("host", { type: "string", requiresArg: true, describe: "The server's host (default: 127.0.0.1)" })
    .option("management-port", { type: "string", requiresArg: true, describe: "The management API's port (default: the config's server.management_port, 15672)" })
    .option("username", { alias: "u", type: "string", requiresArg: true, describe: "User (default: the config's auth.default_user, else guest)" })
    .option("password", { alias: "p", type: "string", requiresArg: true, describe: "Password (default: the config's auth.default_pass, else guest)" })
    .option("config", { type: "string", requiresArg: true, describe: "The server's config file, for the defaults above" })
    .option("vhost", { alias: "V", type: "string", requiresArg: true, default: "/", describe: "The vhost of the verbs scoped to one" })
    .option("timeout", { alias: "t", type: "string", requiresArg: true, describe: "Seconds to wait for the server's answer (default: 60)" })
    .option("formatter", { type: "string", choices: ["table", "json"], default: "table", describe: "Output of the list_* verbs" })
    .option("quiet", { alias: "q", type: "boolean", default: false, describe: "No informational messages" })
    .option("silent", { alias: "s", type: "boolean", default: false, describe: "No informational messages and no table header" });

  for (const [verb, listing] of Object.entries(LISTINGS)) {
    cli = cli.command(
      `${verb} [columns..]`,
      `List ${listing.noun}${listing.perVhost ? " of --vhost" : ""} (default columns: ${listing.defaults.join(" ")})`,
      (y) => y.positional("columns", { type: "string", array: true, describe: `Any of: ${listing.keys.join(", ")}` }),
      on((a) => ({ verb: "list", listing: verb, columns: ((a.columns as unknown[] | undefined) ?? []).map(String) })),
    );
  }
  cli = cli
    .command("purge_queue <queue>", "Remove the ready messages of a queue", (y) => positional(y, "queue", "Queue name"), on((a) => ({ verb: "purge_queue", queue: str(a, "queue") })))
    .command(
      "delete_queue <queue>",
      "Delete a queue",
      (y) =>
        positional(y, "queue", "Queue name")
          .option("if-empty", { alias: "e", type: "boolean", default: false, describe: "Only if it has no messages" })
          .option("if-unused", { alias: "U", type: "boolean", default: false, describe: "Only if it has no consumers" }),
      on((a) => ({ verb: "delete_queue", queue: str(a, "queue"), ifEmpty: a["if-empty"] === true, ifUnused: a["if-unused"] === true })),
    )
    .command(
      "close_connection <name> <explanation>",
      "Close a connection (its name, as list_connections name shows it) with 320 CONNECTION_FORCED and this text",
      (y) => positional(positional(y, "name", "Connection name"), "explanation", "Reason given to the client"),
      on((a) => ({ verb: "close_connection", name: str(a, "name"), reason: str(a, "explanation") })),
    )
    .command(
      "close_all_connections <explanation>",
      "Close every connection of --vhost (every vhost with --global)",
      (y) => positional(y, "explanation", "Reason given to the clients").option("global", { type: "boolean", default: false, describe: "In every vhost" }),
      on((a) => ({ verb: "close_all_connections", reason: str(a, "explanation"), global: a.global === true })),
    )
    .command(
      "set_policy <name> <pattern> <definition>",
      "Set a policy: queues and exchanges of --vhost whose name matches pattern get definition (JSON)",
      (y) =>
        positional(positional(positional(y, "name", "Policy name"), "pattern", "Regular expression of names"), "definition", 'JSON, e.g. \'{"message-ttl":60000}\'')
          .option("priority", { type: "string", requiresArg: true, describe: "Priority (default 0); the highest matching policy applies" })
          .option("apply-to", { type: "string", choices: ["queues", "exchanges", "all"], default: "all", describe: "What it applies to" }),
      on((a) => ({ verb: "set_policy", name: str(a, "name"), pattern: str(a, "pattern"), definition: str(a, "definition"), priority: opt(a, "priority"), applyTo: str(a, "apply-to") })),
    )
    .command("clear_policy <name>", "Remove a policy of --vhost", (y) => positional(y, "name", "Policy name"), on((a) => ({ verb: "clear_policy", name: str(a, "name") })))
    .command(
      "set_parameter <component> <name> <value>",
      "Set a runtime parameter of --vhost (value: JSON); no component registers any here, so the server names the component as not found",
      (y) => positional(positional(positional(y, "component", "Component, e.g. federation-upstream"), "name", "Parameter name"), "value", "JSON"),
      on((a) => ({ verb: "set_parameter", component: str(a, "component"), name: str(a, "name"), value: str(a, "value") })),
    )
    .command(
      "clear_parameter <component> <name>",
      "Remove a runtime parameter of --vhost",
      (y) => positional(positional(y, "component", "Component"), "name", "Parameter name"),
      on((a) => ({ verb: "clear_parameter", component: str(a, "component"), name: str(a, "name") })),
    )
    .command(
      "set_global_parameter <name> <value>",
      "Set a global runtime parameter (value: JSON)",
      (y) => positional(positional(y, "name", "Parameter name"), "value", "JSON"),
      on((a) => ({ verb: "set_global_parameter", name: str(a, "name"), value: str(a, "value") })),
    )
    .command("clear_global_parameter <name>", "Remove a global runtime parameter", (y) => positional(y, "name", "Parameter name"), on((a) => ({ verb: "clear_global_parameter", name: str(a, "name") })))
    .command(
      "export_definitions <file>",
      "Write the definitions (users, vhosts, permissions, topology, policies, parameters) as RabbitMQ's JSON to file, - for stdout",
      (y) => positional(y, "file", "Path, or -"),
      on((a) => ({ verb: "export_definitions", file: fileOf(a) })),
    )
    .command(
      "import_definitions <file>",
      "Import a RabbitMQ definitions file (- for stdin); what cannot be applied is reported",
      (y) => positional(y, "file", "Path, or -"),
      on((a) => ({ verb: "import_definitions", file: fileOf(a) })),
    )
    .demandCommand(1, "which verb? (amqpctl --help lists them)")
    .example("$0 list_queues name messages consumers", "the queues of / with their depth")
    .example("$0 --url http://10.0.0.5:15672 -u admin -p s3cret list_connections --formatter json", "another server")
    .example("$0 set_policy --apply-to queues ttl '^tmp\\.' '{\"message-ttl\":60000}'", "a TTL on queues named tmp.*")
    .help("help")
    .alias("help", "h")
    .version(false)
    .wrap(110);

  const { argv, output, failure } = parseQuietly(cli, args);
  if (failure !== undefined) throw new CtlError(failure.message, EX_USAGE);
  if (output !== "") return { kind: "print", text: output };
  if (action === undefined) throw new CtlError("which verb? (amqpctl --help lists them)", EX_USAGE);
  return {
    kind: "ctl",
    action,
    url: opt(argv, "url"),
    host: opt(argv, "host"),
    managementPort: opt(argv, "management-port"),
    username: opt(argv, "username"),
    password: opt(argv, "password"),
    configFile: opt(argv, "config"),
    vhost: str(argv, "vhost"),
    formatter: last(argv.formatter) === "json" ? "json" : "table",
    timeout: opt(argv, "timeout"),
    quiet: last(argv.quiet) === true || last(argv.silent) === true,
    silent: last(argv.silent) === true,
  };
}

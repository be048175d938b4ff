/**
 * The user-management commands, after rabbitmqctl's: `amqp-server users|vhosts|permissions|definitions ...`.
 * They edit the users file (`--users-file`, or `<data-dir>/users.json`) and never talk to a running
 * server: it sees the new file by itself. Names and patterns are read as text, never as numbers.
 */
import yargs, { type Argv } from "yargs";
import { parseQuietly } from "./yargs-parse.js";
import type { Override } from "./config.js";
import { ConfigError } from "./errors.js";

export type AdminAction =
  | { readonly action: "users add"; readonly name: string; readonly password: string; readonly tags: readonly string[] }
  | { readonly action: "users delete"; readonly name: string }
  | { readonly action: "users list" }
  | { readonly action: "users passwd"; readonly name: string; readonly password: string }
  | { readonly action: "users set-tags"; readonly name: string; readonly tags: readonly string[] }
  | { readonly action: "vhosts add"; readonly name: string }
  | { readonly action: "vhosts delete"; readonly name: string }
  | { readonly action: "vhosts list" }
  | { readonly action: "permissions set"; readonly vhost: string; readonly name: string; readonly configure: string; readonly write: string; readonly read: string }
  | { readonly action: "permissions clear"; readonly vhost: string; readonly name: string }
  | { readonly action: "permissions list"; readonly vhost: string | undefined }
  | { readonly action: "definitions import"; readonly file: string };

export interface AdminCommandLine {
  readonly kind: "admin";
  readonly action: AdminAction;
  readonly configFile: string | undefined;
  /** --data-dir and --users-file, as config overrides. */
  readonly flags: readonly Override[];
}

/** The first word of an admin command line. */
export const ADMIN_NOUNS: ReadonlySet<string> = new Set(["users", "vhosts", "permissions", "definitions"]);

type Args = Record<string, unknown>;
const str = (argv: Args, key: string): string => String(argv[key] ?? "");
const tagsOf = (text: unknown): string[] => (typeof text === "string" ? text.split(",").map((t) => t.trim()).filter((t) => t !== "") : []);

/** Parses an admin command line; `print` for --help. Throws a ConfigError for a bad one. */
export function parseAdminCommandLine(args: readonly string[]): AdminCommandLine | { readonly kind: "print"; readonly text: string } {
  let action: AdminAction | undefined;
  const set = (a: AdminAction) => () => void (action = a);
  const on = (a: (argv: Args) => AdminAction) => (argv: Args) => void (action = a(argv));
  const name = (y: Argv, what: string) => y.positional("name", { type: "string", describe: what });
  const vhostOption = (y: Argv, demand: boolean) =>
    y.option("vhost", { type: "string", requiresArg: true, demandOption: demand, describe: demand ? "The vhost, e.g. /" : "Only this vhost" });

  const cli = yargs()
    .scriptName("amqp-server")
    .locale("en")
    .strict()
    .exitProcess(false)
    .showHelpOnFail(false)
    .parserConfiguration({ "duplicate-arguments-array": false, "parse-numbers": false, "parse-positional-numbers": false })
    .option("data-dir", { type: "string", requiresArg: true, describe: "The users file is <data-dir>/users.json (default: ./data)" })
    .option("users-file", { type: "string", requiresArg: true, describe: "The users file, wherever it is" })
    .option("config", { type: "string", requiresArg: true, describe: "Read data_dir, users_file and default_user from this YAML or JSON config file" })
    .command("users", "Users: add, delete, list, passwd, set-tags", (y) =>
      y
        .command(
          "add <name> <password>",
          "Add a user (no permissions yet: see permissions set)",
          (y) => name(y, "User name").positional("password", { type: "string" }).option("tags", { type: "string", requiresArg: true, describe: "Comma-separated tags" }),
          on((a) => ({ action: "users add", name: str(a, "name"), password: str(a, "password"), tags: tagsOf(a.tags) })),
        )
        .command("delete <name>", "Delete a user and their permissions; their connections are closed", (y) => name(y, "User name"), on((a) => ({ action: "users delete", name: str(a, "name") })))
        .command("list", "List users and their tags", () => {}, set({ action: "users list" }))
        .command(
          "passwd <name> <password>",
          "Change a user's password",
          (y) => name(y, "User name").positional("password", { type: "string" }),
          on((a) => ({ action: "users passwd", name: str(a, "name"), password: str(a, "password") })),
        )
        .command(
          "set-tags <name> [tags..]",
          "Replace a user's tags",
          (y) => name(y, "User name").positional("tags", { type: "string", array: true }),
          on((a) => ({ action: "users set-tags", name: str(a, "name"), tags: ((a.tags as string[] | undefined) ?? []).map(String) })),
        )
        .demandCommand(1, "users: which command? add, delete, list, passwd or set-tags"),
    )
    .command("vhosts", "Vhosts: add, delete, list", (y) =>
      y
        .command("add <name>", "Add a vhost", (y) => name(y, "Vhost name"), on((a) => ({ action: "vhosts add", name: str(a, "name") })))
        .command("delete <name>", "Delete a vhost, its permissions, queues and exchanges; its connections are closed", (y) => name(y, "Vhost name"), on((a) => ({ action: "vhosts delete", name: str(a, "name") })))
        .command("list", "List vhosts", () => {}, set({ action: "vhosts list" }))
        .demandCommand(1, "vhosts: which command? add, delete or list"),
    )
    .command("permissions", "Permissions: set, clear, list", (y) =>
      y
        .command(
          "set <name> <configure> <write> <read>",
          "Set a user's configure, write and read regular expressions in a vhost",
          (y) =>
            vhostOption(name(y, "User name"), true)
              .positional("configure", { type: "string" })
              .positional("write", { type: "string" })
              .positional("read", { type: "string" }),
          on((a) => ({ action: "permissions set", vhost: str(a, "vhost"), name: str(a, "name"), configure: str(a, "configure"), write: str(a, "write"), read: str(a, "read") })),
        )
        .command("clear <name>", "Remove a user's permissions in a vhost", (y) => vhostOption(name(y, "User name"), true), on((a) => ({ action: "permissions clear", vhost: str(a, "vhost"), name: str(a, "name") })))
        .command("list", "List permissions", (y) => vhostOption(y, false), on((a) => ({ action: "permissions list", vhost: typeof a.vhost === "string" ? a.vhost : undefined })))
        .demandCommand(1, "permissions: which command? set, clear or list"),
    )
    .command("definitions", "RabbitMQ definitions: import", (y) =>
      y
        .command(
          "import <file>",
          "Import users, vhosts and permissions from a RabbitMQ definitions file (rabbitmqctl export_definitions)",
          (y) => y.positional("file", { type: "string" }),
          on((a) => ({ action: "definitions import", file: str(a, "file") })),
        )
        .demandCommand(1, "definitions: which command? import"),
    )
    .example("$0 users add alice 's3cret' --data-dir /var/lib/amqp-server", "add a user")
    .example("$0 permissions set --vhost / alice '^alice\\.' '.*' '.*'", "let alice configure queues and exchanges named alice.*")
    .help("help")
    .alias("help", "h")
    .version(false)
    .wrap(100);

  const { argv, output, failure } = parseQuietly(cli, args);
  if (failure !== undefined) throw new ConfigError(failure.message);
  if (output !== "") return { kind: "print", text: output };
  if (action === undefined) throw new ConfigError(`${args[0]}: which command?`);
  const flags: Override[] = [];
  if (typeof argv["data-dir"] === "string") flags.push({ section: "server", key: "data_dir", text: argv["data-dir"], source: "--data-dir" });
  if (typeof argv["users-file"] === "string") flags.push({ section: "auth", key: "users_file", text: argv["users-file"], source: "--users-file" });
  return { kind: "admin", action, configFile: typeof argv.config === "string" ? argv.config : undefined, flags };
}

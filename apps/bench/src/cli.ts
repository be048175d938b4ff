/**
 * The command line: yargs turns argv into URIs, a scenario and option flags, or into text to print
 * (--help, --version, --list-scenarios). Option flags have no yargs default, so that an absent flag
 * does not hide the scenario's value; `resolveOptions` fills defaults and checks every value.
 */
import { readFileSync } from "node:fs";
import yargs from "yargs";
import { UsageError } from "./errors.js";
import { type BenchOptions, EXCHANGE_TYPES, type OptionFlag, type RawOptions, resolveOptions } from "./options.js";
import { findScenario, loadScenarios } from "./scenarios.js";

export const DEFAULT_URI = "amqp://guest:guest@localhost:5672";

export type CommandLine =
  | { readonly kind: "run"; readonly uris: readonly string[]; readonly options: BenchOptions; readonly json: boolean }
  | { readonly kind: "print"; readonly text: string };

export const version: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

const FLAGS: Readonly<Record<OptionFlag, { readonly boolean?: true; readonly describe: string }>> = {
  producers: { describe: "Producers, each on its own connection (default 1)" },
  consumers: { describe: "Consumers, each on its own connection (default 1)" },
  queues: { describe: "Queues; producer and consumer i use queue i mod N (default 1)" },
  "queue-pattern": { describe: "Queue names, %d is 1..N (default amqp-bench-%d)" },
  exchange: { describe: 'Exchange to publish to (default "": the default exchange, straight to the queues)' },
  type: { describe: `Exchange type: ${EXCHANGE_TYPES.join(", ")} (default direct)` },
  "routing-key": { describe: "Routing key, %d is 1..--routing-keys, cycled by each producer (default amqp-bench)" },
  "routing-keys": { describe: "How many routing keys %d runs through (default 1)" },
  "binding-key": { describe: "Binding key, %d is 1..--bindings (default: the routing key)" },
  bindings: { describe: "Bindings in all, binding n to queue n mod --queues (default: one per queue)" },
  size: { describe: "Message body in bytes, 8 or more: the first 8 carry the send time (default 256)" },
  rate: { describe: "Messages per second per producer, 0 for as fast as the broker takes them (default 0)" },
  confirm: { describe: "Publisher confirms with at most N unconfirmed per producer, 0 for none (default 0)" },
  persistent: { boolean: true, describe: "Publish with delivery-mode 2" },
  durable: { boolean: true, describe: "Declare durable queues and exchange" },
  prefetch: { describe: "basic.qos prefetch per consumer, 0 for unlimited (default 1000)" },
  "multi-ack": { describe: "Ack with multiple every N messages (default 1: each one)" },
  autoack: { boolean: true, describe: "Consume with no-ack" },
  duration: { describe: "Seconds to publish for (default 10 unless --messages)" },
  messages: { describe: "Messages to publish in all, split over the producers" },
  backlog: { boolean: true, describe: "Publish --messages with no consumer first, then drain them" },
  procs: { describe: "Load processes to spread producers and consumers over (default 1)" },
  warmup: { describe: "Seconds at the start left out of the latency figures (default 0)" },
  client: { describe: "AMQP client of producers and consumers: raw (lean, on @amqp-go/protocol) or amqplib (default raw)" },
  "queue-args": { describe: 'Arguments of every queue, a JSON object; integers go as long: \'{"x-message-ttl":60000,"x-max-priority":10}\'' },
  "priority-levels": { describe: "Message i of a producer carries priority i mod N (default 0: no priority property)" },
  "dead-letter-queue": {
    describe: "Declare this queue (no consumer) bound to --queue-args' x-dead-letter-exchange (declared fanout); what it holds counts beside what was consumed",
  },
  "stall-timeout": { describe: "Seconds without progress (nothing published, confirmed or consumed) before a run fails as stalled (default 60)" },
};

/** `usageConfiguration` is in yargs 18 but not in @types/yargs 17. */
interface UsageConfigurable {
  usageConfiguration(config: { "hide-types": boolean }): unknown;
}

function parser(args: readonly string[]) {
  let cli = yargs([...args])
    .scriptName("amqp-bench")
    .usage("$0 [options]\n\nA load generator for AMQP 0.9.1 brokers (amqp-go, RabbitMQ, ...), in the manner of RabbitMQ PerfTest.")
    .locale("en")
    .strict()
    .exitProcess(false)
    .showHelpOnFail(false)
    .option("uri", { type: "string", array: true, requiresArg: true, describe: `Broker to run against; twice or more runs each in turn and prints the ratio (default ${DEFAULT_URI})` })
    .option("scenario", { type: "string", requiresArg: true, describe: "Named scenario; flags given beside it override its values" })
    .option("scenario-file", { type: "string", requiresArg: true, describe: "Read scenarios from this JSON file (default: the one shipped)" })
    .option("list-scenarios", { type: "boolean", describe: "Print the named scenarios and exit" })
    .option("json", { type: "boolean", describe: "Print the result as one JSON object on stdout (progress goes to stderr)" });
  for (const [name, flag] of Object.entries(FLAGS)) {
    cli = cli.option(name, flag.boolean ? { type: "boolean", describe: flag.describe } : { type: "string", requiresArg: true, describe: flag.describe });
  }
  (cli as unknown as UsageConfigurable).usageConfiguration({ "hide-types": true });
  return cli
    .help("help")
    .alias("help", "h")
    .version(version)
    .example("$0 --scenario 1p1c", "1 producer, 1 consumer, 256 B, on localhost:5672")
    .example("$0 --producers 4 --consumers 4 --queues 4 --procs 2 --duration 30", "4p/4c over 4 queues from 2 processes")
    .example("$0 --scenario 1p1c --uri amqp://localhost:5672 --uri amqp://localhost:5680", "the same run on two brokers, and the ratio")
    .example("$0 --confirm 1000 --persistent --durable --json", "confirms, one JSON line at the end")
    .wrap(110);
}

function listScenarios(file: string | undefined): string {
  return loadScenarios(file)
    .map((s) => `${s.name.padEnd(22)} ${s.description}`)
    .join("\n");
}

/** Parses argv (without node and the script). Throws a UsageError for a bad flag or value. */
export function parseCommandLine(args: readonly string[]): CommandLine {
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
    const last = (v: unknown): unknown => (Array.isArray(v) ? v[v.length - 1] : v);
    const file = last(parsed["scenario-file"]) as string | undefined;
    if (parsed["list-scenarios"] === true) {
      result = { kind: "print", text: listScenarios(file) };
      return;
    }
    if ((parsed._ as unknown[]).length > 0) {
      failure = new UsageError(`unexpected argument ${JSON.stringify(String((parsed._ as unknown[])[0]))}`);
      return;
    }
    try {
      const name = last(parsed.scenario) as string | undefined;
      const scenario = name === undefined ? undefined : findScenario(name, file);
      const flags: RawOptions = {};
      // A flag given twice: the last one wins (only --uri collects).
      for (const flag of Object.keys(FLAGS) as OptionFlag[]) flags[flag] = last(parsed[flag]);
      const options = resolveOptions(name, scenario?.options ?? {}, flags);
      const uris = (parsed.uri as string[] | undefined) ?? [DEFAULT_URI];
      result = { kind: "run", uris, options, json: last(parsed.json) === true };
    } catch (err) {
      failure = err as Error;
    }
  });
  if (failure !== undefined) throw failure instanceof UsageError ? failure : new UsageError(failure.message);
  if (result === undefined) throw new UsageError("nothing to do");
  return result;
}

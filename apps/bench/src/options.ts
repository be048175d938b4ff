/**
 * What one bench run does, as PerfTest users know it. `resolveOptions` takes the raw values of a
 * scenario and of the command line (flags win) and checks every one, so a bad value in a scenario
 * file gets the same message as the same bad flag.
 */
import { CLIENTS, type ClientKind } from "./clients.js";
import { UsageError } from "./errors.js";
import { parseQueueArgs, type QueueArgs } from "./queue-args.js";

export const EXCHANGE_TYPES = ["direct", "fanout", "topic"] as const;
export type ExchangeType = (typeof EXCHANGE_TYPES)[number];

export interface BenchOptions {
  /** The scenario name, or undefined for a run built from flags only. */
  readonly scenario: string | undefined;
  readonly producers: number;
  readonly consumers: number;
  readonly queues: number;
  /** Queue names: `%d` becomes 1..queues. */
  readonly queuePattern: string;
  /** "" publishes to the default exchange, producer i to queue i mod queues. */
  readonly exchange: string;
  readonly exchangeType: ExchangeType;
  /** `%d` becomes 1..routingKeys, and each producer cycles through them. */
  readonly routingKey: string;
  readonly routingKeys: number;
  /** `%d` becomes 1..bindings; binding n goes to queue n mod queues. */
  readonly bindingKey: string;
  readonly bindings: number;
  readonly size: number;
  /** Messages per second per producer; 0 is as fast as the broker takes them. */
  readonly rate: number;
  /** Publisher confirms with at most this many unconfirmed per producer; 0 is no confirms. */
  readonly confirm: number;
  readonly persistent: boolean;
  readonly durable: boolean;
  readonly prefetch: number;
  /** Ack with `multiple` every N messages; 1 acks each one. */
  readonly multiAck: number;
  readonly autoack: boolean;
  /** Seconds to publish for; 0 when `messages` bounds the run. */
  readonly duration: number;
  /** Messages to publish in all (split over the producers); 0 when `duration` bounds the run. */
  readonly messages: number;
  /** Publish everything with no consumer first, then start the consumers and time the drain. */
  readonly backlog: boolean;
  readonly procs: number;
  /** Seconds at the start whose messages are left out of the latency figures (JIT, first GCs, connection set-up). */
  readonly warmup: number;
  /** Seconds without progress (nothing published, confirmed or consumed while some is due) that end the run as stalled. */
  readonly stallTimeout: number;
  /** The AMQP client of producers and consumers: raw (@amqp-go/protocol, lean) or amqplib. */
  readonly client: ClientKind;
  /** Arguments of every queue the run declares (x-message-ttl, x-max-priority, ...). */
  readonly queueArgs: QueueArgs;
  /** 0: messages carry no priority; N: a producer's message i carries priority i mod N. */
  readonly priorityLevels: number;
  /**
   * "" for none, or a queue the run declares (with no consumer) to receive what the queues
   * dead-letter, bound to their x-dead-letter-exchange (declared as fanout); what it holds at the
   * end counts beside what was consumed.
   */
  readonly deadLetterQueue: string;
}

/** Keys a scenario or the command line may set, in their flag spelling. */
export const OPTION_FLAGS = {
  producers: "producers",
  consumers: "consumers",
  queues: "queues",
  "queue-pattern": "queuePattern",
  exchange: "exchange",
  type: "exchangeType",
  "routing-key": "routingKey",
  "routing-keys": "routingKeys",
  "binding-key": "bindingKey",
  bindings: "bindings",
  size: "size",
  rate: "rate",
  confirm: "confirm",
  persistent: "persistent",
  durable: "durable",
  prefetch: "prefetch",
  "multi-ack": "multiAck",
  autoack: "autoack",
  duration: "duration",
  messages: "messages",
  backlog: "backlog",
  procs: "procs",
  "stall-timeout": "stallTimeout",
  warmup: "warmup",
  client: "client",
  "queue-args": "queueArgs",
  "priority-levels": "priorityLevels",
  "dead-letter-queue": "deadLetterQueue",
} as const satisfies Record<string, keyof BenchOptions>;

export type OptionFlag = keyof typeof OPTION_FLAGS;
export type RawOptions = Partial<Record<OptionFlag, unknown>>;

const DEFAULTS: Omit<BenchOptions, "scenario" | "routingKey" | "bindingKey"> = {
  producers: 1,
  consumers: 1,
  queues: 1,
  queuePattern: "amqp-bench-%d",
  exchange: "",
  exchangeType: "direct",
  routingKeys: 1,
  bindings: 0,
  size: 256,
  rate: 0,
  confirm: 0,
  persistent: false,
  durable: false,
  prefetch: 1000,
  multiAck: 1,
  autoack: false,
  duration: 0,
  messages: 0,
  backlog: false,
  procs: 1,
  stallTimeout: 60,
  warmup: 0,
  client: "raw",
  queueArgs: {},
  priorityLevels: 0,
  deadLetterQueue: "",
};

/** The timestamp each message carries: a u64 of nanoseconds on the machine's monotonic clock. */
export const TIMESTAMP_BYTES = 8;

function integer(flag: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function seconds(flag: string, value: unknown): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`--${flag} must be a number of seconds, 0 or more, got ${JSON.stringify(value)}`);
  }
  return n;
}

function bool(flag: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new UsageError(`--${flag} must be true or false, got ${JSON.stringify(value)}`);
}

function text(flag: string, value: unknown): string {
  if (typeof value !== "string") throw new UsageError(`--${flag} must be text, got ${JSON.stringify(value)}`);
  return value;
}

/** Checks a scenario's values (from a file: they may be anything) before flags are laid over them. */
export function checkRaw(raw: Record<string, unknown>, where: string): RawOptions {
  for (const key of Object.keys(raw)) {
    if (!(key in OPTION_FLAGS) && key !== "description") {
      throw new UsageError(`${where}: unknown key "${key}" (keys: description, ${Object.keys(OPTION_FLAGS).join(", ")})`);
    }
  }
  return raw as RawOptions;
}

/** Lays `flags` over `scenario`, fills defaults and checks every value and their combination. */
export function resolveOptions(scenarioName: string | undefined, scenario: RawOptions, flags: RawOptions): BenchOptions {
  const raw: RawOptions = { ...scenario };
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) raw[key as OptionFlag] = value;
  const pick = <T>(flag: OptionFlag, parse: (flag: string, v: unknown) => T, dflt: T): T =>
    raw[flag] === undefined ? dflt : parse(flag, raw[flag]);

  const exchange = pick("exchange", text, DEFAULTS.exchange);
  const exchangeType = pick("type", text, DEFAULTS.exchangeType as string);
  if (!(EXCHANGE_TYPES as readonly string[]).includes(exchangeType)) {
    throw new UsageError(`--type must be one of ${EXCHANGE_TYPES.join(", ")}, got ${JSON.stringify(exchangeType)}`);
  }
  const routingKey = pick("routing-key", text, "amqp-bench");
  const client = pick("client", text, DEFAULTS.client as string);
  if (!(CLIENTS as readonly string[]).includes(client)) throw new UsageError(`--client must be one of ${CLIENTS.join(", ")}, got ${JSON.stringify(client)}`);
  const options: BenchOptions = {
    scenario: scenarioName,
    producers: pick("producers", (f, v) => integer(f, v, 0, 10_000), DEFAULTS.producers),
    consumers: pick("consumers", (f, v) => integer(f, v, 0, 10_000), DEFAULTS.consumers),
    queues: pick("queues", (f, v) => integer(f, v, 1, 100_000), DEFAULTS.queues),
    queuePattern: pick("queue-pattern", text, DEFAULTS.queuePattern),
    exchange,
    exchangeType: exchangeType as ExchangeType,
    routingKey,
    routingKeys: pick("routing-keys", (f, v) => integer(f, v, 1, 1_000_000), DEFAULTS.routingKeys),
    bindingKey: pick("binding-key", text, routingKey),
    bindings: pick("bindings", (f, v) => integer(f, v, 0, 1_000_000), DEFAULTS.bindings),
    size: pick("size", (f, v) => integer(f, v, TIMESTAMP_BYTES, 128 * 1024 * 1024), DEFAULTS.size),
    rate: pick("rate", (f, v) => integer(f, v, 0, 10_000_000), DEFAULTS.rate),
    confirm: pick("confirm", (f, v) => integer(f, v, 0, 1_000_000), DEFAULTS.confirm),
    persistent: pick("persistent", bool, DEFAULTS.persistent),
    durable: pick("durable", bool, DEFAULTS.durable),
    prefetch: pick("prefetch", (f, v) => integer(f, v, 0, 65_535), DEFAULTS.prefetch),
    multiAck: pick("multi-ack", (f, v) => integer(f, v, 1, 65_535), DEFAULTS.multiAck),
    autoack: pick("autoack", bool, DEFAULTS.autoack),
    duration: pick("duration", seconds, DEFAULTS.duration),
    messages: pick("messages", (f, v) => integer(f, v, 0), DEFAULTS.messages),
    backlog: pick("backlog", bool, DEFAULTS.backlog),
    procs: pick("procs", (f, v) => integer(f, v, 1, 256), DEFAULTS.procs),
    stallTimeout: pick("stall-timeout", seconds, DEFAULTS.stallTimeout),
    warmup: pick("warmup", seconds, DEFAULTS.warmup),
    client: client as ClientKind,
    queueArgs: pick("queue-args", parseQueueArgs, DEFAULTS.queueArgs),
    priorityLevels: pick("priority-levels", (f, v) => integer(f, v, 0, 256), DEFAULTS.priorityLevels),
    deadLetterQueue: pick("dead-letter-queue", text, DEFAULTS.deadLetterQueue),
  };
  return check(options, flags);
}

function check(o: BenchOptions, flags: RawOptions): BenchOptions {
  let { duration, messages } = o;
  // A flag bounds the run by itself: `--duration 5` on a scenario of `messages` runs 5 s, not both.
  if (flags.duration !== undefined && flags.messages === undefined) messages = 0;
  if (flags.messages !== undefined && flags.duration === undefined) duration = 0;
  if (duration === 0 && messages === 0) {
    if (o.backlog) throw new UsageError("--backlog needs --messages: the backlog to build and drain");
    duration = 10;
  }
  if (o.backlog && messages === 0) throw new UsageError("--backlog needs --messages: the backlog to build and drain");
  if (o.backlog && o.producers === 0) throw new UsageError("--backlog needs at least one producer");
  if (o.queues > 1 && !o.queuePattern.includes("%d")) {
    throw new UsageError(`--queue-pattern must contain %d for ${o.queues} queues, got ${JSON.stringify(o.queuePattern)}`);
  }
  if (o.routingKeys > 1 && !o.routingKey.includes("%d")) {
    throw new UsageError(`--routing-key must contain %d for ${o.routingKeys} routing keys, got ${JSON.stringify(o.routingKey)}`);
  }
  if (o.bindings > 1 && o.exchangeType !== "fanout" && !o.bindingKey.includes("%d")) {
    throw new UsageError(`--binding-key must contain %d for ${o.bindings} bindings, got ${JSON.stringify(o.bindingKey)}`);
  }
  if (o.exchange === "" && o.bindings > 0) throw new UsageError("--bindings needs --exchange: the default exchange takes no bindings");
  if (o.exchange.startsWith("amq.") || o.exchange === "amq") {
    throw new UsageError(`--exchange ${JSON.stringify(o.exchange)}: the bench declares and deletes its exchange, so amq.* names are refused`);
  }
  if (!o.autoack && o.prefetch > 0 && o.multiAck > o.prefetch) {
    throw new UsageError(`--multi-ack ${o.multiAck} is above --prefetch ${o.prefetch}: the consumer would stall waiting for messages it never gets`);
  }
  if (o.producers + o.consumers === 0) throw new UsageError("nothing to run: --producers and --consumers are both 0");
  if (o.deadLetterQueue !== "") checkDeadLetterQueue(o);
  return { ...o, duration, messages };
}

/** `--dead-letter-queue` needs the queues to dead-letter to it, and a name of its own. */
function checkDeadLetterQueue(o: BenchOptions): void {
  const dlq = o.deadLetterQueue;
  const dlx = o.queueArgs["x-dead-letter-exchange"];
  if (typeof dlx !== "string") {
    throw new UsageError(`--dead-letter-queue ${JSON.stringify(dlq)} needs "x-dead-letter-exchange" (a string) in --queue-args`);
  }
  if (dlx === "" && o.queueArgs["x-dead-letter-routing-key"] !== dlq) {
    throw new UsageError(`--dead-letter-queue ${JSON.stringify(dlq)} with the default exchange as x-dead-letter-exchange needs "x-dead-letter-routing-key": ${JSON.stringify(dlq)} in --queue-args`);
  }
  if (dlx !== "" && (dlx.startsWith("amq.") || dlx === o.exchange)) {
    throw new UsageError(`x-dead-letter-exchange ${JSON.stringify(dlx)}: the bench declares and deletes it, so amq.* names and the run's own --exchange are refused`);
  }
  for (let i = 1; i <= o.queues; i++) {
    if (expand(o.queuePattern, i) === dlq) throw new UsageError(`--dead-letter-queue ${JSON.stringify(dlq)} is one of the run's queues`);
  }
}

/** `pattern` with `%d` replaced by `n`. */
export function expand(pattern: string, n: number): string {
  return pattern.replaceAll("%d", String(n));
}

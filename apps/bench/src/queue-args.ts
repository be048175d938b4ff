/**
 * Queue arguments (`--queue-args '{"x-message-ttl":60000,"x-dead-letter-exchange":"dlx"}'`): a JSON
 * object of strings, numbers and booleans, declared on every queue of the run. They go on the wire
 * typed as RabbitMQ's own clients send them: integers as long (signed 64-bit, `l`), other numbers as
 * double, strings as longstr, booleans as bool. (amqplib alone would pick the smallest integer type:
 * byte for 10, which RabbitMQ also takes, but long is what PerfTest and the Java client send.)
 */
import { UsageError } from "./errors.js";

export type QueueArgValue = string | number | boolean;
export type QueueArgs = Readonly<Record<string, QueueArgValue>>;

/** An amqplib field-table value with its type given (`{'!': 'long', value: 60000}`). */
export type TypedValue = QueueArgValue | { readonly "!": "long" | "double"; readonly value: number };

/** Parses `--queue-args` (JSON text from the command line, or an object from a scenario). */
export function parseQueueArgs(flag: string, value: unknown): QueueArgs {
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch (err) {
      throw new UsageError(`--${flag} must be a JSON object, got ${JSON.stringify(value)}: ${(err as Error).message}`);
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--${flag} must be a JSON object of queue arguments, got ${JSON.stringify(value)}`);
  }
  const args: Record<string, QueueArgValue> = {};
  for (const [name, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))) args[name] = v;
    else throw new UsageError(`--${flag}: "${name}" must be a string, a number or a boolean, got ${JSON.stringify(v)}`);
  }
  return args;
}

/** The field table amqplib sends: integers as long, other numbers as double. */
export function typedQueueArgs(args: QueueArgs): Record<string, TypedValue> {
  const table: Record<string, TypedValue> = {};
  for (const [name, v] of Object.entries(args)) {
    table[name] = typeof v === "number" ? { "!": Number.isInteger(v) ? "long" : "double", value: v } : v;
  }
  return table;
}

/** The arguments in one short phrase: `x-message-ttl=60000, x-max-priority=10`. */
export function describeQueueArgs(args: QueueArgs): string {
  return Object.entries(args)
    .map(([name, v]) => `${name}=${typeof v === "string" ? JSON.stringify(v) : String(v)}`)
    .join(", ");
}

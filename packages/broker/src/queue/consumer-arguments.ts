/**
 * The queue and consume arguments the consumer-side features read: x-single-active-consumer and
 * x-max-priority of a queue, x-priority of a basic.consume. Merged into arguments.ts's
 * QueueArguments by the lead (that file validates every queue argument as RabbitMQ does); only the
 * consume argument is validated here.
 */
import type { FieldTable } from "@amqp-go/protocol";
import { preconditionFailed } from "../errors.js";
import { typeName } from "../field-type.js";

/** RabbitMQ's ceiling for x-max-priority. */
export const MAX_PRIORITY = 255;

/** x-single-active-consumer: true. */
export function singleActiveConsumer(args: FieldTable): boolean {
  return args["x-single-active-consumer"] === true;
}

/** x-max-priority, 1-255; 0 for a queue without priorities. */
export function maxPriority(args: FieldTable): number {
  const v = args["x-max-priority"];
  const n = typeof v === "bigint" ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? Math.min(n, MAX_PRIORITY) : 0;
}

/**
 * x-priority of a basic.consume: any integer (default 0). Anything else is 406, in RabbitMQ's
 * words: `invalid arg 'x-priority' for queue 'q' in vhost '/': "expected integer, got longstr"`.
 */
export function consumerPriority(args: FieldTable, queue: string, vhost: string): number {
  const v = args["x-priority"];
  if (v === undefined) return 0;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number" && Number.isInteger(v)) return v;
  throw preconditionFailed(`invalid arg 'x-priority' for queue '${queue}' in vhost '${vhost}': "expected integer, got ${typeName(v)}"`);
}

/**
 * x-priority of a basic.consume (the queue-side arguments are in arguments.ts): any integer
 * (default 0). Anything else is 406, in RabbitMQ's words:
 * `invalid arg 'x-priority' for queue 'q' in vhost '/': "expected integer, got longstr"`.
 */
import type { FieldTable } from "@amqp-go/protocol";
import { preconditionFailed } from "../errors.js";
import { typeName } from "../field-type.js";

export function consumerPriority(args: FieldTable, queue: string, vhost: string): number {
  const v = args["x-priority"];
  if (v === undefined) return 0;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number" && Number.isInteger(v)) return v;
  throw preconditionFailed(`invalid arg 'x-priority' for queue '${queue}' in vhost '${vhost}': "expected integer, got ${typeName(v)}"`);
}

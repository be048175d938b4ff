/**
 * The exchange types this broker knows, by their AMQP names. exchange.declare with any other type
 * is refused by the broker (503 COMMAND_INVALID "unknown exchange type").
 */
import { DirectExchange } from "./direct.js";
import type { Exchange, ExchangeOptions } from "./exchange.js";
import { FanoutExchange } from "./fanout.js";
import { HeadersExchange } from "./headers.js";
import { TopicExchange } from "./topic.js";

export const EXCHANGE_TYPES = ["direct", "fanout", "topic", "headers"] as const;

export type ExchangeType = (typeof EXCHANGE_TYPES)[number];

/** A new exchange of `type`, or undefined when the type is unknown. */
export function createExchange(type: string, name: string, options: ExchangeOptions): Exchange | undefined {
  switch (type) {
    case "direct":
      return new DirectExchange(name, options);
    case "fanout":
      return new FanoutExchange(name, options);
    case "topic":
      return new TopicExchange(name, options);
    case "headers":
      return new HeadersExchange(name, options);
    default:
      return undefined;
  }
}

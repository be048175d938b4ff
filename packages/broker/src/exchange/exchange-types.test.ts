import { describe, expect, it } from "vitest";
import { DirectExchange } from "./direct.js";
import { createExchange, EXCHANGE_TYPES } from "./exchange-types.js";
import { FanoutExchange } from "./fanout.js";
import { HeadersExchange } from "./headers.js";
import { TopicExchange } from "./topic.js";

const options = { durable: true, autoDelete: false, internal: false, arguments: { alternate: "x" } };

describe("createExchange", () => {
  it("makes each known type", () => {
    const classes = { direct: DirectExchange, fanout: FanoutExchange, topic: TopicExchange, headers: HeadersExchange };
    for (const type of EXCHANGE_TYPES) {
      const e = createExchange(type, `ex-${type}`, options)!;
      expect(e).toBeInstanceOf(classes[type]);
      expect(e.type).toBe(type);
      expect(e.name).toBe(`ex-${type}`);
      expect(e.options).toBe(options);
      expect(e.bindingCount).toBe(0);
    }
  });

  it("returns undefined for unknown types", () => {
    for (const type of ["", "Direct", "x-consistent-hash", "x-delayed-message", "system"]) {
      expect(createExchange(type, "e", options)).toBeUndefined();
    }
  });
});

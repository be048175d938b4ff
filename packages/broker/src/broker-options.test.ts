import { describe, expect, it } from "vitest";
import { GuestAuthenticator } from "./authenticator.js";
import { BROKER_SETTINGS, resolveBrokerOptions } from "./broker-options.js";
import { silentLogger } from "./ports.js";

describe("resolveBrokerOptions", () => {
  it("fills in BROKER_SETTINGS' defaults, the watermark as a share of memory", () => {
    const o = resolveBrokerOptions({}, 1000);
    expect(o).toMatchObject({
      heartbeat: 60,
      frameMax: 131072,
      channelMax: 2047,
      handshakeTimeout: 10_000,
      handshakeErrorDelay: 3000,
      maxMessageSize: 128 * 1024 * 1024,
      memoryHighWatermark: 400,
      queueFlowBytes: 4 * 1024 * 1024,
      idleQueueFlowBytes: 100,
      logger: silentLogger,
      product: "amqp-go",
    });
    expect(o.authenticator).toBeInstanceOf(GuestAuthenticator);
    for (const [name, s] of Object.entries(BROKER_SETTINGS)) {
      if (name !== "memoryHighWatermark" && name !== "idleQueueFlowBytes") expect(o[name as keyof typeof BROKER_SETTINGS], name).toBe(s.default);
    }
  });

  it("keeps what is given; a watermark above 1 is bytes", () => {
    expect(resolveBrokerOptions({ heartbeat: 0, memoryHighWatermark: 4096 }, 1000)).toMatchObject({ heartbeat: 0, memoryHighWatermark: 4096 });
    expect(resolveBrokerOptions({ memoryHighWatermark: 1 }, 1000).memoryHighWatermark).toBe(1000);
  });

  it("a queue without consumers holds a quarter of the watermark before it holds its publishers back, unless told", () => {
    expect(resolveBrokerOptions({ memoryHighWatermark: 4096 }, 1000).idleQueueFlowBytes).toBe(1024);
    expect(resolveBrokerOptions({ memoryHighWatermark: 4096, idleQueueFlowBytes: 10 }, 1000).idleQueueFlowBytes).toBe(10);
  });

  it("refuses a value out of its range with a RangeError naming it", () => {
    expect(() => resolveBrokerOptions({ frameMax: 1000 }, 1000)).toThrow(
      new RangeError("broker option frameMax must be an integer from 4096 to 4294967295, not 1000"),
    );
    expect(() => resolveBrokerOptions({ heartbeat: -1 }, 1000)).toThrow(RangeError);
    expect(() => resolveBrokerOptions({ memoryHighWatermark: 1.5 }, 1000)).toThrow(RangeError);
  });
});

import { describe, expect, it } from "vitest";
import { loadScenarios } from "./scenarios.js";
import { resolveOptions } from "./options.js";
import { cycleLength } from "./raw/publish-frames.js";
import { plans } from "./run.js";
import { consumerQueue, producerTarget, topicMatches, topologyOf } from "./topology.js";

const scenario = (name: string) => {
  const s = loadScenarios().find((x) => x.name === name)!;
  return resolveOptions(name, s.options, {});
};

describe("topicMatches", () => {
  it.each([
    ["perf.1.*", "perf.1.x", true],
    ["perf.1.*", "perf.10.x", false],
    ["perf.1.*", "perf.1", false],
    ["perf.1.*", "perf.1.x.y", false],
    ["#", "", true],
    ["#", "a.b.c", true],
    ["a.#", "a", true],
    ["a.#.c", "a.b.b.c", true],
    ["a.#.c", "a.b.b.d", false],
    ["*.b", "a.b", true],
    ["*", "", false],
  ])("%s against %s is %s", (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });
});

describe("topology and fans", () => {
  it("the default exchange sends producer i to queue i mod N, consumed or not", () => {
    const o = resolveOptions(undefined, {}, { producers: 3, consumers: 1, queues: 2 });
    const t = topologyOf(o);
    expect(t.queues).toEqual(["amqp-bench-1", "amqp-bench-2"]);
    expect(producerTarget(o, t, 0)).toEqual({ exchange: "", keys: ["amqp-bench-1"], fan: [1] });
    expect(producerTarget(o, t, 1)).toEqual({ exchange: "", keys: ["amqp-bench-2"], fan: [0] });
    expect(consumerQueue(t, 2)).toBe("amqp-bench-1");
  });

  it("fanout-20p20c reaches all 20 queues with every message", () => {
    const o = scenario("fanout-20p20c");
    const t = topologyOf(o);
    expect(t.bindings).toHaveLength(20);
    expect(producerTarget(o, t, 7).fan).toEqual([20]);
  });

  it("topic-1000 declares 1,000 bindings and each of its 1,000 keys matches exactly one", () => {
    const o = scenario("topic-1000");
    const t = topologyOf(o);
    expect(t.bindings).toHaveLength(1000);
    expect(t.bindings[0]).toEqual({ queue: "amqp-bench-1", key: "perf.1.*" });
    expect(t.bindings[999]).toEqual({ queue: "amqp-bench-4", key: "perf.1000.*" });
    const target = producerTarget(o, t, 0);
    expect(target.keys).toHaveLength(1000);
    expect(new Set(target.keys).size).toBe(1000);
    expect(target.fan.every((f) => f === 1)).toBe(true);
  });

  it("a direct exchange with one key bound to every queue fans out to the consumed ones", () => {
    const o = resolveOptions(undefined, {}, { exchange: "x", producers: 1, consumers: 3, queues: 4 });
    expect(producerTarget(o, topologyOf(o), 0).fan).toEqual([3]);
  });
});

describe("plans", () => {
  it("spreads producers then consumers round-robin over the load processes, and splits --messages", () => {
    const o = resolveOptions(undefined, {}, { producers: 3, consumers: 2, queues: 2, procs: 2, messages: 10 });
    const [a, b] = plans(o, "amqp://x");
    expect(a!.producers.map((p) => [p.id, p.messages])).toEqual([[0, 4], [2, 3]]);
    expect(b!.producers.map((p) => [p.id, p.messages])).toEqual([[1, 3]]);
    expect(a!.consumers.map((c) => c.id)).toEqual([1]);
    expect(b!.consumers.map((c) => [c.id, c.queue])).toEqual([[0, "amqp-bench-1"]]);
  });

  it("never forks more load processes than clients, and a duration run has unbounded producers", () => {
    const o = resolveOptions(undefined, {}, { procs: 8, duration: 1 });
    const all = plans(o, "amqp://x");
    expect(all).toHaveLength(2);
    expect(all[0]!.producers[0]!.messages).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("dead-letter queue and priorities", () => {
  it("a dead-letter queue is declared beside the queues, bound to its exchange, and counted nowhere as consumed", () => {
    const t = topologyOf(scenario("ttl-dlx"));
    expect(t.queues).toEqual(["amqp-bench-1"]);
    expect(t.deadLetter).toEqual({ queue: "amqp-bench-dlq", exchange: "amqp-bench.dlx" });
    expect([...t.consumed]).toEqual(["amqp-bench-1"]);
    expect(topologyOf(scenario("1p1c")).deadLetter).toBeNull();
  });

  it("a cycle of pre-encoded publishes runs through every (routing key, priority) pair once", () => {
    expect(cycleLength(1, 0)).toBe(1);
    expect(cycleLength(1, 10)).toBe(10);
    expect(cycleLength(1000, 10)).toBe(1000);
    expect(cycleLength(2, 3)).toBe(6);
    expect(cycleLength(4, 6)).toBe(12);
  });

  it("the load processes get the priority levels", () => {
    expect(plans(scenario("priority-10"), "amqp://x")[0]!.settings.priorityLevels).toBe(10);
  });
});

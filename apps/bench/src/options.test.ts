import { describe, expect, it } from "vitest";
import { parseCommandLine } from "./cli.js";
import { UsageError } from "./errors.js";
import { resolveOptions } from "./options.js";
import { describeQueueArgs, typedQueueArgs } from "./queue-args.js";
import { loadScenarios } from "./scenarios.js";

const run = (args: string[]) => {
  const cmd = parseCommandLine(args);
  if (cmd.kind !== "run") throw new Error("expected a run");
  return cmd;
};

describe("options", () => {
  it("defaults to 1p/1c, 256 B, prefetch 1000, 10 s on localhost", () => {
    const cmd = run([]);
    expect(cmd.uris).toEqual(["amqp://guest:guest@localhost:5672"]);
    expect(cmd.options).toMatchObject({ producers: 1, consumers: 1, queues: 1, size: 256, prefetch: 1000, duration: 10, messages: 0, procs: 1, client: "raw" });
  });

  it("--client picks raw or amqplib, nothing else", () => {
    expect(run(["--client", "amqplib"]).options.client).toBe("amqplib");
    expect(() => run(["--client", "pika"])).toThrow('--client must be one of raw, amqplib, got "pika"');
  });

  it("flags override the scenario, and a flag's bound replaces the scenario's", () => {
    const cmd = run(["--scenario", "4p4c", "--producers", "2", "--messages", "500", "--uri", "amqp://a", "--uri", "amqp://b", "--json"]);
    expect(cmd.options).toMatchObject({ scenario: "4p4c", producers: 2, consumers: 4, queues: 4, messages: 500, duration: 0 });
    expect(cmd.uris).toEqual(["amqp://a", "amqp://b"]);
    expect(cmd.json).toBe(true);
    expect(run(["--scenario", "persistent-confirms", "--no-persistent"]).options).toMatchObject({ persistent: false, durable: true, confirm: 1000 });
  });

  it.each([
    [["--size", "4"], "--size must be an integer from 8 to 134217728, got \"4\""],
    [["--rate", "fast"], '--rate must be an integer from 0 to 10000000, got "fast"'],
    [["--type", "headers"], '--type must be one of direct, fanout, topic, got "headers"'],
    [["--queues", "3"], '--queue-pattern must contain %d for 3 queues, got "amqp-bench-%d"'.replace("amqp-bench-%d", "q")],
    [["--backlog"], "--backlog needs --messages: the backlog to build and drain"],
    [["--multi-ack", "2000"], "--multi-ack 2000 is above --prefetch 1000: the consumer would stall waiting for messages it never gets"],
    [["--scenario", "nope"], 'unknown scenario "nope"'],
    [["--verbose"], "Unknown argument: verbose"],
  ])("%j is refused: %s", (args, message) => {
    const argv = args[0] === "--queues" ? [...args, "--queue-pattern", "q"] : args;
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });

  it("every shipped scenario resolves, and together they cover the issue's list", () => {
    const all = loadScenarios();
    for (const s of all) expect(() => resolveOptions(s.name, s.options, {})).not.toThrow();
    const o = Object.fromEntries(all.map((s) => [s.name, resolveOptions(s.name, s.options, {})]));
    expect(o["1p1c"]).toMatchObject({ producers: 1, consumers: 1, size: 256, persistent: false });
    expect(o["4p4c"]).toMatchObject({ producers: 4, consumers: 4, queues: 4 });
    expect(o["persistent-confirms"]).toMatchObject({ persistent: true, durable: true, confirm: 1000 });
    expect(o["backlog-1m"]).toMatchObject({ backlog: true, messages: 1_000_000 });
    expect(o["64k"]).toMatchObject({ size: 65536 });
    expect(o["fanout-20p20c"]).toMatchObject({ producers: 20, consumers: 20, exchangeType: "fanout" });
    expect(o["topic-1000"]).toMatchObject({ exchangeType: "topic", bindings: 1000 });
  });

  it("--queue-args takes a JSON object; integers go as long, other numbers as double", () => {
    const o = run(["--queue-args", '{"x-message-ttl":60000,"x-dead-letter-exchange":"dlx","x-max-priority":10,"x-ratio":0.5,"x-flag":true}']).options;
    expect(o.queueArgs).toEqual({ "x-message-ttl": 60000, "x-dead-letter-exchange": "dlx", "x-max-priority": 10, "x-ratio": 0.5, "x-flag": true });
    expect(typedQueueArgs(o.queueArgs)).toEqual({
      "x-message-ttl": { "!": "long", value: 60000 },
      "x-dead-letter-exchange": "dlx",
      "x-max-priority": { "!": "long", value: 10 },
      "x-ratio": { "!": "double", value: 0.5 },
      "x-flag": true,
    });
    expect(describeQueueArgs(o.queueArgs)).toBe('x-message-ttl=60000, x-dead-letter-exchange="dlx", x-max-priority=10, x-ratio=0.5, x-flag=true');
    expect(run([]).options).toMatchObject({ queueArgs: {}, priorityLevels: 0, deadLetterQueue: "" });
  });

  it("--priority-levels and --dead-letter-queue resolve, and a scenario's queue-args object is taken as it is", () => {
    expect(run(["--priority-levels", "10"]).options.priorityLevels).toBe(10);
    const o = resolveOptions("s", { "queue-args": { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dlq" }, "dead-letter-queue": "dlq" }, {});
    expect(o).toMatchObject({ deadLetterQueue: "dlq", queueArgs: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dlq" } });
  });

  it.each([
    [["--queue-args", "{x}"], /^--queue-args must be a JSON object, got "\{x\}": /],
    [["--queue-args", "[1]"], '--queue-args must be a JSON object of queue arguments, got "[1]"'],
    [["--queue-args", '{"x-a":{"b":1}}'], '--queue-args: "x-a" must be a string, a number or a boolean, got {"b":1}'],
    [["--queue-args", '{"x-a":null}'], '--queue-args: "x-a" must be a string, a number or a boolean, got null'],
    [["--priority-levels", "257"], '--priority-levels must be an integer from 0 to 256, got "257"'],
    [["--dead-letter-queue", "dlq"], '--dead-letter-queue "dlq" needs "x-dead-letter-exchange" (a string) in --queue-args'],
    [["--dead-letter-queue", "dlq", "--queue-args", '{"x-dead-letter-exchange":""}'], /needs "x-dead-letter-routing-key": "dlq" in --queue-args/],
    [["--dead-letter-queue", "dlq", "--queue-args", '{"x-dead-letter-exchange":"amq.fanout"}'], /amq\.\* names and the run's own --exchange are refused/],
    [["--dead-letter-queue", "dlq", "--exchange", "x", "--queue-args", '{"x-dead-letter-exchange":"x"}'], /amq\.\* names and the run's own --exchange are refused/],
    [["--dead-letter-queue", "amqp-bench-1", "--queue-args", '{"x-dead-letter-exchange":"dlx"}'], '--dead-letter-queue "amqp-bench-1" is one of the run\'s queues'],
  ])("%j is refused: %s", (args, message) => {
    expect(() => parseCommandLine(args)).toThrow(UsageError);
    expect(() => parseCommandLine(args)).toThrow(message);
  });

  it("the queue-feature scenarios: TTL with a dead-letter queue (60 s and 50 ms), 10 priorities", () => {
    const all = Object.fromEntries(loadScenarios().map((s) => [s.name, resolveOptions(s.name, s.options, {})]));
    expect(all["ttl-dlx"]).toMatchObject({ queueArgs: { "x-message-ttl": 60000, "x-dead-letter-exchange": "amqp-bench.dlx" }, deadLetterQueue: "amqp-bench-dlq" });
    expect(all["ttl-50ms-dlx"]).toMatchObject({ queueArgs: { "x-message-ttl": 50 }, deadLetterQueue: "amqp-bench-dlq" });
    expect(all["priority-10"]).toMatchObject({ queueArgs: { "x-max-priority": 10 }, priorityLevels: 10, deadLetterQueue: "" });
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Destination } from "./exchange.js";
import { TopicExchange } from "./topic.js";
import { topicWords } from "./topic-trie.js";

const options = { durable: false, autoDelete: false, internal: false, arguments: {} };
const q = (name: string): Destination => ({ kind: "queue", name });

function route(e: TopicExchange, key: string): string[] {
  const out: Destination[] = [];
  e.route(key, undefined, out);
  return out.map((d) => d.name).sort();
}

/** RabbitMQ's own topic exchange test (unit_access_control / topic_matching). */
describe("TopicExchange: RabbitMQ's topic_matching test", () => {
  const bindings: [key: string, queue: string, args: Record<string, string>][] = [
    ["a.b.c", "t1", {}],
    ["a.*.c", "t2", {}],
    ["a.#.b", "t3", {}],
    ["a.b.b.c", "t4", {}],
    ["#", "t5", {}],
    ["#.#", "t6", {}],
    ["#.b", "t7", {}],
    ["*.*", "t8", {}],
    ["a.*", "t9", {}],
    ["*.b.c", "t10", {}],
    ["a.#", "t11", {}],
    ["a.#.#", "t12", {}],
    ["b.b.c", "t13", {}],
    ["a.b.b", "t14", {}],
    ["a.b", "t15", {}],
    ["b.c", "t16", {}],
    ["", "t17", {}],
    ["*.*.*", "t18", {}],
    ["vodka.martini", "t19", {}],
    ["a.b.c", "t20", {}],
    ["*.#", "t21", {}],
    ["#.*.#", "t22", {}],
    ["*.#.#", "t23", {}],
    ["#.#.#", "t24", {}],
    ["*", "t25", {}],
    ["#.b.#", "t26", {}],
    ["args-test", "t27", { foo: "bar" }],
    ["args-test", "t27", { foo: "baz" }], // the same queue and key: only the arguments differ
  ];
  const all = (x: string[]): string[] => [...x].sort();

  it("routes as RabbitMQ does, before and after removing bindings", () => {
    const e = new TopicExchange("t", options);
    for (const [key, queue, args] of bindings) expect(e.bind(q(queue), key, args)).toBe(true);
    expect(e.bindingCount).toBe(28);
    const before: [string, string[]][] = [
      ["a.b.c", ["t1", "t2", "t5", "t6", "t10", "t11", "t12", "t18", "t20", "t21", "t22", "t23", "t24", "t26"]],
      ["a.b", ["t3", "t5", "t6", "t7", "t8", "t9", "t11", "t12", "t15", "t21", "t22", "t23", "t24", "t26"]],
      ["a.b.b", ["t3", "t5", "t6", "t7", "t11", "t12", "t14", "t18", "t21", "t22", "t23", "t24", "t26"]],
      ["", ["t5", "t6", "t17", "t24"]],
      ["b.c.c", ["t5", "t6", "t18", "t21", "t22", "t23", "t24", "t26"]],
      ["a.a.a.a.a", ["t5", "t6", "t11", "t12", "t21", "t22", "t23", "t24"]],
      ["vodka.gin", ["t5", "t6", "t8", "t21", "t22", "t23", "t24"]],
      ["vodka.martini", ["t5", "t6", "t8", "t19", "t21", "t22", "t23", "t24"]],
      ["b.b.c", ["t5", "t6", "t10", "t13", "t18", "t21", "t22", "t23", "t24", "t26"]],
      ["nothing.here.at.all", ["t5", "t6", "t21", "t22", "t23", "t24"]],
      ["oneword", ["t5", "t6", "t21", "t22", "t23", "t24", "t25"]],
      ["args-test", ["t5", "t6", "t21", "t22", "t23", "t24", "t25", "t27"]],
    ];
    for (const [key, expected] of before) expect(route(e, key), key).toEqual(all(expected));

    // RabbitMQ removes bindings 1, 5, 11, 19, 21 and 28 (counting from 1).
    for (const n of [1, 5, 11, 19, 21, 28]) {
      const [key, queue, args] = bindings[n - 1]!;
      expect(e.unbind(q(queue), key, args)).toBe(true);
    }
    expect(e.bindingCount).toBe(22);
    const after: [string, string[]][] = [
      ["a.b.c", ["t2", "t6", "t10", "t12", "t18", "t20", "t22", "t23", "t24", "t26"]],
      ["a.b", ["t3", "t6", "t7", "t8", "t9", "t12", "t15", "t22", "t23", "t24", "t26"]],
      ["a.b.b", ["t3", "t6", "t7", "t12", "t14", "t18", "t22", "t23", "t24", "t26"]],
      ["", ["t6", "t17", "t24"]],
      ["b.c.c", ["t6", "t18", "t22", "t23", "t24", "t26"]],
      ["a.a.a.a.a", ["t6", "t12", "t22", "t23", "t24"]],
      ["vodka.gin", ["t6", "t8", "t22", "t23", "t24"]],
      ["vodka.martini", ["t6", "t8", "t22", "t23", "t24"]],
      ["b.b.c", ["t6", "t10", "t13", "t18", "t22", "t23", "t24", "t26"]],
      ["nothing.here.at.all", ["t6", "t22", "t23", "t24"]],
      ["oneword", ["t6", "t22", "t23", "t24", "t25"]],
      ["args-test", ["t6", "t22", "t23", "t24", "t25", "t27"]],
    ];
    for (const [key, expected] of after) expect(route(e, key), key).toEqual(all(expected));

    for (const [key, queue] of bindings) e.unbindAll(q(queue));
    expect(e.bindingCount).toBe(0);
    for (const key of ["a.b.c", "b.b.c", ""]) expect(route(e, key)).toEqual([]);
  });
});

describe("TopicExchange", () => {
  it("routes to a destination once however many of its patterns match", () => {
    const e = new TopicExchange("t", options);
    expect(e.type).toBe("topic");
    e.bind(q("a"), "x.*", {});
    e.bind(q("a"), "x.#", {});
    e.bind(q("a"), "#", {});
    e.bind(q("b"), "x.y", {});
    expect(route(e, "x.y")).toEqual(["a", "b"]);
  });

  it("refuses duplicate bindings and counts the rest", () => {
    const e = new TopicExchange("t", options);
    expect(e.bind(q("a"), "x.#", {})).toBe(true);
    expect(e.bind(q("a"), "x.#", {})).toBe(false);
    expect(e.bind(q("a"), "x.#", { k: 1 })).toBe(true);
    expect(e.bind(q("b"), "x.#", {})).toBe(true);
    expect(e.bindingCount).toBe(3);
    expect(e.bindings().map((b) => `${b.source} ${b.destination.name} ${b.routingKey}`).sort()).toEqual([
      "t a x.#",
      "t a x.#",
      "t b x.#",
    ]);
  });

  it("removes a queue's bindings under every pattern with unbindAll", () => {
    const e = new TopicExchange("t", options);
    e.bind(q("a"), "x.#", {});
    e.bind(q("a"), "*.y", {});
    e.bind(q("b"), "*.y", {});
    expect(route(e, "x.y")).toEqual(["a", "b"]);
    expect(e.unbindAll(q("a"))).toBe(2);
    expect(route(e, "x.y")).toEqual(["b"]);
    expect(route(e, "x.z")).toEqual([]);
    expect(e.bindingCount).toBe(1);
  });

  describe("routing-key cache", () => {
    it("serves repeated keys from the cache", () => {
      const e = new TopicExchange("t", options);
      e.bind(q("a"), "x.*", {});
      expect(e.cachedKeys).toBe(0);
      expect(route(e, "x.y")).toEqual(["a"]);
      expect(route(e, "x.y")).toEqual(["a"]);
      expect(route(e, "nothing")).toEqual([]);
      expect(route(e, "nothing")).toEqual([]);
      expect(e.cachedKeys).toBe(2);
    });

    it("is emptied by every bind, unbind and unbindAll that changes something", () => {
      const e = new TopicExchange("t", options);
      e.bind(q("a"), "x.*", {});
      expect(route(e, "x.y")).toEqual(["a"]);

      e.bind(q("b"), "#", {});
      expect(e.cachedKeys).toBe(0);
      expect(route(e, "x.y")).toEqual(["a", "b"]);

      // A new binding under an existing pattern changes that pattern's destinations only.
      e.bind(q("c"), "x.*", {});
      expect(route(e, "x.y")).toEqual(["a", "b", "c"]);

      e.unbind(q("b"), "#", {});
      expect(route(e, "x.y")).toEqual(["a", "c"]);

      e.unbindAll(q("a"));
      expect(route(e, "x.y")).toEqual(["c"]);

      route(e, "x.z");
      expect(e.cachedKeys).toBe(2);
      expect(e.bind(q("c"), "x.*", {})).toBe(false);
      expect(e.unbind(q("zz"), "x.*", {})).toBe(false);
      expect(e.unbindAll(q("zz"))).toBe(0);
      expect(e.cachedKeys).toBe(2);
    });

    it("does not let a cached result change when bindings change later", () => {
      const e = new TopicExchange("t", options);
      e.bind(q("a"), "k", {});
      const first: Destination[] = [];
      e.route("k", undefined, first);
      e.bind(q("b"), "k", {});
      expect(first.map((d) => d.name)).toEqual(["a"]);
      expect(route(e, "k")).toEqual(["a", "b"]);
    });

    it("holds at most its size, evicting the oldest key", () => {
      const e = new TopicExchange("t", options, 3);
      e.bind(q("a"), "#", {});
      for (const key of ["k1", "k2", "k3", "k4", "k5"]) expect(route(e, key)).toEqual(["a"]);
      expect(e.cachedKeys).toBe(3);
    });

    it("can be turned off", () => {
      const e = new TopicExchange("t", options, 0);
      e.bind(q("a"), "#", {});
      expect(route(e, "k")).toEqual(["a"]);
      expect(e.cachedKeys).toBe(0);
    });
  });
});

/** A naive topic matcher over word lists, independent of the trie. */
function naiveMatch(pattern: string[], key: string[]): boolean {
  if (pattern.length === 0) return key.length === 0;
  const [p, ...rest] = pattern;
  if (p === "#") {
    for (let i = 0; i <= key.length; i++) if (naiveMatch(rest, key.slice(i))) return true;
    return false;
  }
  return key.length > 0 && (p === "*" || p === key[0]) && naiveMatch(rest, key.slice(1));
}

describe("TopicExchange against a model", () => {
  const pattern = fc.array(fc.constantFrom("a", "b", "", "*", "#"), { maxLength: 4 }).map((ws) => ws.join("."));
  const key = fc.array(fc.constantFrom("a", "b", ""), { maxLength: 4 }).map((ws) => ws.join("."));
  const queue = fc.constantFrom("q1", "q2", "q3");
  const args = fc.constantFrom<Record<string, number>>({}, { v: 1 });
  const op = fc.oneof(
    fc.record({ op: fc.constant("bind" as const), queue, pattern, args }),
    fc.record({ op: fc.constant("unbind" as const), queue, pattern, args }),
    fc.record({ op: fc.constant("unbindAll" as const), queue }),
    fc.record({ op: fc.constant("route" as const), key }),
  );

  it("keeps bindings, counts and (cached) routes in step with a list of bindings", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.constantFrom(0, 2, 1024), (ops, cacheSize) => {
        const e = new TopicExchange("t", options, cacheSize);
        let model: { queue: string; pattern: string; v: number | undefined }[] = [];
        const find = (o: { queue: string; pattern: string; args: Record<string, number> }) =>
          model.findIndex((b) => b.queue === o.queue && b.pattern === o.pattern && b.v === o.args["v"]);
        for (const o of ops) {
          if (o.op === "bind") {
            const isNew = find(o) < 0;
            expect(e.bind(q(o.queue), o.pattern, o.args)).toBe(isNew);
            if (isNew) model.push({ queue: o.queue, pattern: o.pattern, v: o.args["v"] });
          } else if (o.op === "unbind") {
            const i = find(o);
            expect(e.unbind(q(o.queue), o.pattern, o.args)).toBe(i >= 0);
            if (i >= 0) model.splice(i, 1);
          } else if (o.op === "unbindAll") {
            const kept = model.filter((b) => b.queue !== o.queue);
            expect(e.unbindAll(q(o.queue))).toBe(model.length - kept.length);
            model = kept;
          } else {
            const words = topicWords(o.key);
            const expected = new Set(model.filter((b) => naiveMatch(topicWords(b.pattern), words)).map((b) => b.queue));
            const out = route(e, o.key);
            expect(out).toEqual([...expected].sort()); // each destination once
          }
          expect(e.bindingCount).toBe(model.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * The cases of scripts/diff-policies.mjs (a policy's TTL and dead-lettering on existing queues,
 * client arguments against it, length limits at once, priorities, apply-to, clearing, expires),
 * run against our broker with `broker.setPolicy` and compared with RabbitMQ 3.10.8's answers as
 * recorded by that script through its management API (fixtures/rabbitmq-policies.json).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script, kept runnable without a build
import { CASES } from "../scripts/diff-policies.mjs";
import { useBroker } from "./helpers.js";

interface Policies {
  set(name: string, body: { pattern: string; definition: object; priority: number; "apply-to": string }): Promise<void>;
  clear(name: string): Promise<void>;
}

const t = useBroker();
const recorded = JSON.parse(readFileSync(new URL("./fixtures/rabbitmq-policies.json", import.meta.url), "utf8")) as { answers: Record<string, unknown> };
const cases = CASES as Record<string, (url: string, p: Policies) => Promise<unknown>>;

const ours: Policies = {
  async set(name, b) {
    t.broker.setPolicy("/", name, { pattern: b.pattern, definition: b.definition, priority: b.priority, applyTo: b["apply-to"] });
  },
  async clear(name) {
    t.broker.clearPolicy("/", name);
  },
};

describe("policies act as in RabbitMQ 3.10.8", () => {
  it("records an answer for every case", () => {
    expect(Object.keys(recorded.answers).sort()).toEqual(Object.keys(cases).sort());
  });
  for (const [name, run] of Object.entries(cases)) {
    it(name, async () => {
      expect(await run(t.url, ours)).toEqual(recorded.answers[name]);
      expect(t.broker.policies()).toEqual([]);
    });
  }
});

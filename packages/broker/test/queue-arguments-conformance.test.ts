/**
 * The cases of scripts/diff-queue-arguments.mjs (argument validation, queue types, TTL,
 * dead-lettering, length limits, x-expires, quorum delivery limits), run against our broker and
 * compared with RabbitMQ 3.10.8's answers as recorded by that script
 * (fixtures/rabbitmq-queue-arguments.json; CONFORMANCE.md §16).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script, kept runnable without a build
import { CASES } from "../scripts/diff-queue-arguments.mjs";
import { useBroker } from "./helpers.js";

const t = useBroker();
const recorded = JSON.parse(readFileSync(new URL("./fixtures/rabbitmq-queue-arguments.json", import.meta.url), "utf8")) as {
  answers: Record<string, unknown>;
};
const cases = CASES as Record<string, (url: string) => Promise<unknown>>;

describe("queue arguments answer as RabbitMQ 3.10.8", () => {
  it("records an answer for every case", () => {
    expect(Object.keys(recorded.answers).sort()).toEqual(Object.keys(cases).sort());
  });
  for (const [name, run] of Object.entries(cases)) {
    it(name, async () => {
      expect(JSON.parse(JSON.stringify(await run(t.url)))).toEqual(recorded.answers[name]);
    });
  }
});

import { describe, expect, it } from "vitest";
import { compilePattern, patternError, VhostPermissions } from "./permissions.js";

describe("permission patterns, matched as RabbitMQ matches them", () => {
  it.each([
    // pattern, name, matches
    [".*", "anything", true],
    [".*", "", true],
    ["", "anything", false],
    ["^$", "anything", false],
    // Not anchored: RabbitMQ runs re:run(Name, Pattern) without anchors.
    ["foo", "x-foo-y", true],
    ["^foo", "x-foo", false],
    ["^foo", "foo-x", true],
    ["^amq\\.gen-.*", "amq.gen-abc", true],
    ["^amq\\.gen-.*", "amqXgen-abc", false],
    ["^(orders|invoices)$", "orders", true],
    ["^(orders|invoices)$", "orders2", false],
    ["^tenant-[0-9]+\\.", "tenant-42.q", true],
  ])("%j on %j: %s", (pattern, name, matches) => {
    expect(compilePattern(pattern)(name)).toBe(matches);
  });

  it("a bad regular expression is reported", () => {
    expect(patternError("^(unclosed")).toMatch(/Invalid regular expression/);
    expect(patternError("^ok$")).toBeUndefined();
  });

  it("VhostPermissions holds one matcher per kind", () => {
    const p = new VhostPermissions({ configure: "^$", write: "^out$", read: "^in" });
    expect([p.configure("q"), p.write("out"), p.write("out2"), p.read("inbox"), p.read("x")]).toEqual([false, true, false, true, false]);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TopicTrie, topicWords } from "./topic-trie.js";

function matches(patterns: string[], key: string): string[] {
  const trie = new TopicTrie<string>();
  for (const p of patterns) trie.set(p, p);
  const out: string[] = [];
  trie.match(topicWords(key), out);
  return out.sort();
}

/**
 * The reference: one regex per pattern, over the key with a dot after every word ("" being no
 * words). A literal word matches itself, `*` any one word, `#` any run of words.
 */
function referenceRegex(pattern: string): RegExp {
  const words = pattern === "" ? [] : pattern.split(".");
  const body = words
    .map((w) => (w === "#" ? "(?:[^.]*\\.)*" : w === "*" ? "[^.]*\\." : `${w.replace(/[^\w]/g, "\\$&")}\\.`))
    .join("");
  return new RegExp(`^${body}$`);
}

function referenceMatches(pattern: string, key: string): boolean {
  return referenceRegex(pattern).test(key === "" ? "" : `${key}.`);
}

describe("topicWords", () => {
  it("splits on dots, keeping empty words, with the empty key as no words", () => {
    expect(topicWords("")).toEqual([]);
    expect(topicWords("a")).toEqual(["a"]);
    expect(topicWords("a.b")).toEqual(["a", "b"]);
    expect(topicWords("a..b")).toEqual(["a", "", "b"]);
    expect(topicWords(".")).toEqual(["", ""]);
    expect(topicWords("a.")).toEqual(["a", ""]);
  });
});

describe("TopicTrie matching", () => {
  const cases: [pattern: string, key: string, expected: boolean][] = [
    ["#", "", true],
    ["#", "a", true],
    ["#", "a.b.c", true],
    ["#", ".", true],
    ["", "", true],
    ["", "a", false],
    ["*", "", false],
    ["*", "a", true],
    ["*", "a.b", false],
    ["*", ".", false],
    ["*.*", ".", true],
    ["a.#", "a", true],
    ["a.#", "a.b", true],
    ["a.#", "a.b.c", true],
    ["a.#", "b", false],
    ["a.#", "", false],
    ["#.a", "a", true],
    ["#.a", "b.b.a", true],
    ["#.a", "a.b", false],
    ["*.b", "a.b", true],
    ["*.b", "a.b.c", false],
    ["*.b", "b", false],
    ["a.*.#", "a", false],
    ["a.*.#", "a.b", true],
    ["a.*.#", "a.b.c.d", true],
    ["#.#", "", true],
    ["#.#", "a.b", true],
    ["#.#.#.#", "a", true],
    ["#.*", "", false],
    ["#.*", "a", true],
    ["#.*.#", "a.b.c", true],
    ["a.#.b", "a.b", true],
    ["a.#.b", "a.x.y.b", true],
    ["a.#.b", "a.b.c", false],
    ["a..b", "a..b", true],
    ["a.*.b", "a..b", true],
    ["a.#.b", "a..b", true],
    ["a..b", "a.b", false],
    ["a.", "a.", true],
    ["a.", "a", false],
    ["a.*", "a.", true],
    ["*", "*", true],
    ["a", "*", false],
    ["#", "#", true],
    ["a.b", "a.b.", false],
  ];
  it.each(cases)("%j on %j is %j", (pattern, key, expected) => {
    expect(matches([pattern], key)).toEqual(expected ? [pattern] : []);
    expect(referenceMatches(pattern, key)).toBe(expected);
  });

  it("finds every matching pattern, each once", () => {
    const patterns = ["#", "#.#", "a.#", "#.b", "*.b", "a.*", "a.b", "a.#.b", "#.#.#", "b.#"];
    expect(matches(patterns, "a.b")).toEqual(["#", "#.#", "#.#.#", "#.b", "*.b", "a.#", "a.#.b", "a.*", "a.b"]);
  });

  it("stays linear on pathological patterns and the longest keys", () => {
    const patterns = ["#.#.#.#.#.#.#.#.#.#.#.#", "#.a.#.a.#.a.#.a.#.a.#.b", "*.#.*.#.*.#.*.#.*", "#.a.#.a.#.a.#.a.#.a.#.a.#.a.#.a.#.c"];
    const key = Array.from({ length: 128 }, () => "a").join("."); // 255 bytes, a shortstr's limit
    const dots = ".".repeat(255); // 256 empty words
    const start = performance.now();
    for (let i = 0; i < 20; i++) {
      expect(matches(patterns, key)).toEqual(["#.#.#.#.#.#.#.#.#.#.#.#", "*.#.*.#.*.#.*.#.*"]);
      expect(matches(patterns, dots)).toEqual(["#.#.#.#.#.#.#.#.#.#.#.#", "*.#.*.#.*.#.*.#.*"]);
    }
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe("TopicTrie against a regex reference", () => {
  const word = fc.constantFrom("a", "b", "", "*", "#");
  const pattern = fc.array(word, { maxLength: 6 }).map((ws) => ws.join("."));
  const key = fc.array(fc.constantFrom("a", "b", "c", "", "*", "#"), { maxLength: 7 }).map((ws) => ws.join("."));

  it("matches exactly the patterns the reference matches", () => {
    fc.assert(
      fc.property(fc.uniqueArray(pattern, { maxLength: 10 }), fc.array(key, { minLength: 1, maxLength: 10 }), (patterns, keys) => {
        const trie = new TopicTrie<string>();
        for (const p of patterns) trie.set(p, p);
        for (const k of keys) {
          const out: string[] = [];
          trie.match(topicWords(k), out);
          expect(out.sort()).toEqual(patterns.filter((p) => referenceMatches(p, k)).sort());
        }
      }),
      { numRuns: 500 },
    );
  });

  it("forgets deleted patterns and prunes down to the trie of the rest", () => {
    fc.assert(
      fc.property(fc.uniqueArray(pattern, { maxLength: 10 }), fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }), key, (patterns, drop, k) => {
        const trie = new TopicTrie<string>();
        for (const p of patterns) trie.set(p, p);
        const kept = patterns.filter((_, i) => !drop[i]);
        for (const p of patterns) if (!kept.includes(p)) expect(trie.delete(p)).toBe(true);
        const fresh = new TopicTrie<string>();
        for (const p of kept) fresh.set(p, p);
        expect(trie.nodeCount).toBe(fresh.nodeCount);
        const out: string[] = [];
        trie.match(topicWords(k), out);
        expect(out.sort()).toEqual(kept.filter((p) => referenceMatches(p, k)).sort());
      }),
      { numRuns: 300 },
    );
  });
});

describe("TopicTrie maintenance", () => {
  it("deletes only what it holds", () => {
    const trie = new TopicTrie<number>();
    trie.set("a.b", 1);
    expect(trie.delete("a")).toBe(false);
    expect(trie.delete("a.b.c")).toBe(false);
    expect(trie.delete("a.*")).toBe(false);
    expect(trie.delete("a.b")).toBe(true);
    expect(trie.delete("a.b")).toBe(false);
    expect(trie.nodeCount).toBe(1);
  });

  it("keeps a prefix pattern when a longer one goes, and the reverse", () => {
    const trie = new TopicTrie<number>();
    trie.set("a", 1);
    trie.set("a.#.b", 2);
    expect(trie.nodeCount).toBe(4);
    trie.delete("a.#.b");
    expect(trie.nodeCount).toBe(2);
    trie.set("a.#.b", 2);
    trie.delete("a");
    const out: number[] = [];
    trie.match(["a", "b"], out);
    expect(out).toEqual([2]);
    trie.match(["a"], out);
    expect(out).toEqual([2]);
  });
});

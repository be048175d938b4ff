import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MetadataStore } from "./metadata-store.js";

const dir = () => mkdtempSync(join(tmpdir(), "amqp-go-meta-"));

describe("MetadataStore", () => {
  it("has nothing before the first save, then the last document saved", async () => {
    const d = dir();
    const s = new MetadataStore<{ queues: string[] }>(d);
    expect(s.load()).toBeUndefined();
    await s.save({ queues: ["a"] });
    await s.save({ queues: ["a", "b"] });
    expect(new MetadataStore(d).load()).toEqual({ queues: ["a", "b"] });
    expect(readdirSync(d)).toEqual(["metadata.json"]);
  });

  it("saves asked for while one is on its way end with the last one, in order", async () => {
    const d = dir();
    const s = new MetadataStore<number>(d);
    const all = [];
    for (let i = 0; i < 20; i++) all.push(s.save(i));
    await Promise.all(all);
    expect(s.load()).toBe(19);
  });

  it("ignores a temporary file a crash left behind, keeping the previous document", () => {
    const d = dir();
    new MetadataStore<string>(d).saveSync("old");
    writeFileSync(join(d, "metadata.json.tmp"), '{"half');
    const s = new MetadataStore<string>(d);
    expect(s.load()).toBe("old");
    expect(readdirSync(d)).toEqual(["metadata.json"]);
    expect(readFileSync(join(d, "metadata.json"), "utf8")).toBe('"old"');
  });
});

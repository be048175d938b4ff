import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MetadataStore } from "./metadata-store.js";
import { storageFaults } from "./storage-faults.js";

afterEach(() => storageFaults.failWith(null));

const dir = () => mkdtempSync(join(tmpdir(), "amqp-go-meta-"));

describe("MetadataStore", () => {
  it("has nothing before the first save, then the last document saved", async () => {
    const d = dir();
    const s = new MetadataStore<{ queues: string[] }>(d);
    expect(s.load()).toBeUndefined();
    await s.save({ queues: ["a"] });
    await s.save({ queues: ["a", "b"] });
    expect(new MetadataStore(d).load()).toEqual({ queues: ["a", "b"] });
    expect(readdirSync(d).sort()).toEqual(["metadata.json", "metadata.json.prev"]);
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

  it("keeps the previous document as .prev, with a checksum each; a file without one (older) is read as it is", () => {
    const d = dir();
    const s = new MetadataStore<{ n: number }>(d);
    s.saveSync({ n: 1 });
    s.saveSync({ n: 2 });
    expect(JSON.parse(readFileSync(join(d, "metadata.json"), "utf8"))).toMatchObject({ n: 2, crc32: expect.any(Number) });
    expect(JSON.parse(readFileSync(join(d, "metadata.json.prev"), "utf8"))).toMatchObject({ n: 1 });
    writeFileSync(join(d, "metadata.json"), '{"n":7}');
    expect(new MetadataStore(d).load()).toEqual({ n: 7 });
  });

  it("falls back to .prev when the document is damaged (a changed octet the JSON still parses with), reporting it", () => {
    const d = dir();
    const s = new MetadataStore<{ queue: string }>(d);
    s.saveSync({ queue: "orders" });
    s.saveSync({ queue: "payments" });
    const path = join(d, "metadata.json");
    writeFileSync(path, readFileSync(path, "utf8").replace("payments", "paymenTs"));
    const t = new MetadataStore<{ queue: string }>(d);
    expect(t.load()).toEqual({ queue: "orders" });
    expect(t.loaded).toEqual({ file: `${path}.prev`, fallback: true, damaged: [{ file: path, reason: "checksum mismatch" }] });
    expect(readdirSync(d).sort()).toEqual(["metadata.json.damaged", "metadata.json.prev"]);
    // the next save does not rotate the damaged file over the good one
    t.saveSync({ queue: "next" });
    expect(new MetadataStore<{ queue: string }>(d).load()).toEqual({ queue: "next" });
    expect(JSON.parse(readFileSync(`${path}.prev`, "utf8"))).toMatchObject({ queue: "orders" });
  });

  it("throws, naming both files, when no good copy is left: never a silent start without the definitions", () => {
    const d = dir();
    const s = new MetadataStore<number[]>(d);
    s.saveSync([1]);
    s.saveSync([2]);
    writeFileSync(join(d, "metadata.json"), "[2");
    writeFileSync(join(d, "metadata.json.prev"), "");
    expect(() => new MetadataStore(d).load()).toThrow(/metadata\.json \(.*metadata\.json\.prev \(/);
  });

  it("a save that fails (ENOSPC) leaves the files as they were", async () => {
    const d = dir();
    const s = new MetadataStore<number>(d);
    s.saveSync(1);
    storageFaults.failWith("ENOSPC");
    expect(() => s.saveSync(2)).toThrow(expect.objectContaining({ code: "ENOSPC" }));
    await expect(s.save(3)).rejects.toMatchObject({ code: "ENOSPC" });
    expect(readdirSync(d)).toEqual(["metadata.json"]);
    storageFaults.failWith(null);
    expect(new MetadataStore<number>(d).load()).toBe(1);
  });
});

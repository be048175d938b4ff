import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MetadataLog } from "./metadata-log.js";
import { storageFaults } from "./storage-faults.js";

afterEach(() => storageFaults.failWith(null));

const dir = () => mkdtempSync(join(tmpdir(), "amqp-go-metalog-"));
type Doc = { queues: string[] };
type Change = { add: string };

/** The state a load gives: the snapshot with the changes replayed. */
function state(d: string): string[] {
  const log = new MetadataLog<Doc, Change>(d, "defs");
  const { doc, records } = log.load();
  log.close();
  return [...(doc?.queues ?? []), ...records.map((r) => r.add)];
}

describe("MetadataLog", () => {
  it("appends changes to a journal replayed over the snapshot; a snapshot starts a new journal and drops the ones no copy needs", () => {
    const d = dir();
    const log = new MetadataLog<Doc, Change>(d, "defs");
    expect(log.load()).toEqual({ doc: undefined, records: [] });
    log.snapshot({ queues: [] });
    log.append({ add: "a" });
    log.append({ add: "b" });
    expect(log.unsynced).toBe(true);
    log.sync();
    expect(log.unsynced).toBe(false);
    expect(state(d)).toEqual(["a", "b"]);
    log.snapshot({ queues: ["a", "b"] });
    log.append({ add: "c" });
    log.snapshot({ queues: ["a", "b", "c"] });
    log.append({ add: "d" });
    log.close();
    expect(readdirSync(d).sort()).toEqual(["defs.2.log", "defs.3.log", "defs.json", "defs.json.prev"]);
    expect(JSON.parse(readFileSync(join(d, "defs.json"), "utf8"))).toMatchObject({ queues: ["a", "b", "c"], journal: 3 });
    expect(state(d)).toEqual(["a", "b", "c", "d"]);
  });

  it("drops and cuts off a torn last line (a crash mid-append), so that the next append starts on a line of its own", () => {
    const d = dir();
    const log = new MetadataLog<Doc, Change>(d, "defs");
    log.snapshot({ queues: [] });
    log.append({ add: "a" });
    log.close();
    appendFileSync(join(d, "defs.1.log"), '{"add":"tor');
    const again = new MetadataLog<Doc, Change>(d, "defs");
    expect(again.load().records).toEqual([{ add: "a" }]);
    expect(again.loaded.damaged).toEqual([]);
    again.append({ add: "b" });
    again.close();
    expect(state(d)).toEqual(["a", "b"]);
  });

  it("reports and skips a damaged line between good ones", () => {
    const d = dir();
    const log = new MetadataLog<Doc, Change>(d, "defs");
    log.snapshot({ queues: [] });
    for (const q of ["a", "b", "c"]) log.append({ add: q });
    log.close();
    const f = join(d, "defs.1.log");
    writeFileSync(f, readFileSync(f, "utf8").replace('"b"', '"B"'));
    const again = new MetadataLog<Doc, Change>(d, "defs");
    expect(again.load().records).toEqual([{ add: "a" }, { add: "c" }]);
    expect(again.loaded.damaged).toEqual([{ file: f, reason: "1 damaged record(s) skipped" }]);
  });

  it("reads back names with any octets (the checksum's own key, multi-byte text, braces) and tells a damaged checksum", () => {
    const d = dir();
    const log = new MetadataLog<Doc, Change>(d, "defs");
    log.snapshot({ queues: [] });
    const names = ['q,"crc32":12}', "é€😀", "}", "", "a\nb"];
    for (const q of names) log.append({ add: q });
    log.close();
    expect(state(d)).toEqual(names);
    // the checksum's digits changed, then a character of the name: a damaged line each, skipped and reported
    const f = join(d, "defs.1.log");
    const lines = readFileSync(f, "utf8").split("\n");
    lines[0] = lines[0]!.replace(/"crc32":(\d)/, (_, c: string) => `"crc32":${(Number(c) + 1) % 10}`);
    lines[1] = lines[1]!.replace("€", "$");
    writeFileSync(f, lines.join("\n"));
    const again = new MetadataLog<Doc, Change>(d, "defs");
    expect(again.load().records.map((r) => r.add)).toEqual(names.slice(2));
    expect(again.loaded.damaged).toEqual([{ file: f, reason: "2 damaged record(s) skipped" }]);
  });

  it("a damaged snapshot falls back to .prev with both journals after it: nothing is lost", () => {
    const d = dir();
    const log = new MetadataLog<Doc, Change>(d, "defs");
    log.snapshot({ queues: [] });
    log.append({ add: "a" });
    log.snapshot({ queues: ["a"] });
    log.append({ add: "b" });
    log.close();
    const f = join(d, "defs.json");
    writeFileSync(f, readFileSync(f, "utf8").replace('"a"', '"A"'));
    const again = new MetadataLog<Doc, Change>(d, "defs");
    const { doc, records } = again.load();
    expect([...doc!.queues, ...records.map((r) => r.add)]).toEqual(["a", "b"]);
    expect(again.loaded).toMatchObject({ fallback: true, damaged: [{ file: f, reason: "checksum mismatch" }] });
  });

  it("an append that fails (ENOSPC) leaves the journal as it was; appends go on once space is back", () => {
    const d = dir();
    const log = new MetadataLog<Doc, Change>(d, "defs");
    log.snapshot({ queues: [] });
    log.append({ add: "a" });
    storageFaults.failWith("ENOSPC");
    expect(() => log.append({ add: "lost" })).toThrow(expect.objectContaining({ code: "ENOSPC" }));
    expect(() => log.snapshot({ queues: ["x"] })).toThrow(expect.objectContaining({ code: "ENOSPC" }));
    storageFaults.failWith(null);
    log.append({ add: "b" });
    log.sync();
    log.close();
    expect(state(d)).toEqual(["a", "b"]);
  });
});

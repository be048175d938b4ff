import { describe, expect, it } from "vitest";
import { bytesOfMemory, resolveSettings, settingAccepts, settingExpects } from "./settings.js";
import { resolveStorageOptions, STORAGE_SETTINGS } from "./storage-settings.js";
import { resolveWalOptions } from "./wal/options.js";

describe("STORAGE_SETTINGS", () => {
  it("every default is in its range and every entry has a doc", () => {
    for (const [name, s] of Object.entries(STORAGE_SETTINGS)) {
      expect(settingAccepts(s, s.default), name).toBe(true);
      expect(s.doc.length, name).toBeGreaterThan(10);
    }
  });

  it("resolveStorageOptions fills in the defaults and keeps what is given", () => {
    const defaults = Object.fromEntries(Object.entries(STORAGE_SETTINGS).map(([name, s]) => [name, s.default]));
    expect(resolveStorageOptions({})).toEqual(defaults);
    expect(resolveStorageOptions({ walBatchDelay: 5 })).toEqual({ ...defaults, walBatchDelay: 5 });
  });

  it("resolveStorageOptions refuses a value out of its range, naming it", () => {
    expect(() => resolveStorageOptions({ walBatchSize: 4095 })).toThrow(
      new RangeError("storage option walBatchSize must be an integer from 4096 to 2147483647, not 4095"),
    );
    expect(() => resolveStorageOptions({ checkpointInterval: 0 })).toThrow(RangeError);
    expect(() => resolveStorageOptions({ walBatchDelay: 1.5 })).toThrow(RangeError);
  });

  it("the write-ahead log's defaults are the table's (batchDelay 0: the next event-loop turn)", () => {
    const wal = resolveWalOptions({ dir: "/nowhere" });
    expect({ batchSize: wal.batchSize, batchDelay: wal.batchDelay, fileSize: wal.fileSize }).toEqual({
      batchSize: STORAGE_SETTINGS.walBatchSize.default,
      batchDelay: 0,
      fileSize: STORAGE_SETTINGS.walFileSize.default,
    });
  });
});

describe("settings helpers", () => {
  const watermark = { default: 0.4, min: 2, max: 2 ** 40, fractionOfMemory: true, doc: "memory" } as const;

  it("a fraction-of-memory setting takes (0, 1] or whole bytes from min", () => {
    for (const ok of [0.1, 1, 2, 2 ** 40]) expect(settingAccepts(watermark, ok), String(ok)).toBe(true);
    for (const bad of [0, -0.1, 1.5, 2 ** 40 + 1, "0.4"]) expect(settingAccepts(watermark, bad), String(bad)).toBe(false);
    expect(settingExpects(watermark)).toBe("a fraction of total memory in (0, 1] or a byte count (an integer above 1)");
    expect(bytesOfMemory(0.5, 1001)).toBe(500);
    expect(bytesOfMemory(4096, 1001)).toBe(4096);
    expect(resolveSettings({ watermark }, {}, "test")).toEqual({ watermark: 0.4 });
  });
});

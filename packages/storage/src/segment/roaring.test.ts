import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { RoaringBitmap32, RoaringMissingError, loadRoaring } from "./roaring.js";
import { AckTracker } from "../ack-tracker.js";

describe("roaring, loaded on first use", () => {
  it("an absent addon gives an error that names the fix", () => {
    let err: unknown;
    try {
      loadRoaring("roaring-that-is-not-installed");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RoaringMissingError);
    expect((err as RoaringMissingError).code).toBe("AMQP_GO_ROARING_MISSING");
    expect((err as Error).message).toMatch(/npm install roaring/);
    expect((err as Error).message).toMatch(/pnpm approve-builds/);
  });

  it("importing the package loads no addon; the first ack tracker does", () => {
    // A fresh process: import the built package, then list the CommonJS modules loaded.
    const script =
      `const s = await import(${JSON.stringify(pathToFileURL(resolve(import.meta.dirname, "../../dist/index.js")).href)});` +
      `const cache = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes("roaring")).length;` +
      `const before = cache(); new s.AckTracker("/nonexistent-dir-for-roaring-test"); console.log(before, cache());`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", `import { createRequire } from "node:module";${script}`], { encoding: "utf8" });
    const [before, after] = out.trim().split(" ").map(Number);
    expect(before).toBe(0);
    expect(after).toBeGreaterThan(0);
    new AckTracker("/nonexistent-dir-for-roaring-test");
    expect(new RoaringBitmap32([3, 1, 2]).toArray()).toEqual([1, 2, 3]);
  });
});

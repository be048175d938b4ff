import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_LINES, missingPaths, namedPaths, oversizedFiles, staleExemptions } from "./check.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const roots = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A tree under a temp dir: `files` by path. */
function fixture(files) {
  const root = mkdtempSync(join(tmpdir(), "house-rules-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const lines = (n) => "x\n".repeat(n);

describe("file size", () => {
  it("lists a source file over the limit, tests and scripts too, and leaves generated code, dist and node_modules out", () => {
    const root = fixture({
      "packages/a/src/ok.ts": lines(MAX_LINES),
      "packages/a/src/big.ts": lines(MAX_LINES + 1),
      "packages/a/test/big.test.ts": lines(MAX_LINES + 5),
      "packages/a/scripts/big.mjs": lines(MAX_LINES + 2),
      "packages/a/src/generated/methods.ts": lines(5000),
      "packages/a/dist/big.js": lines(5000),
      "packages/a/node_modules/x/index.js": lines(5000),
      "packages/a/README.md": lines(5000),
    });
    expect(oversizedFiles(root, MAX_LINES, {})).toEqual([
      { path: "packages/a/test/big.test.ts", lines: MAX_LINES + 5 },
      { path: "packages/a/scripts/big.mjs", lines: MAX_LINES + 2 },
      { path: "packages/a/src/big.ts", lines: MAX_LINES + 1 },
    ]);
  });

  it("an exempt file passes; an exemption that is no longer needed is reported", () => {
    const root = fixture({ "apps/s/src/big.ts": lines(MAX_LINES + 1), "apps/s/src/small.ts": lines(3) });
    expect(oversizedFiles(root, MAX_LINES, { "apps/s/src/big.ts": "why" })).toEqual([]);
    expect(staleExemptions(root, MAX_LINES, { "apps/s/src/big.ts": "why", "apps/s/src/small.ts": "why", "apps/s/src/gone.ts": "why" })).toEqual([
      "apps/s/src/small.ts",
      "apps/s/src/gone.ts",
    ]);
  });
});

describe("paths named in ARCHITECTURE.md", () => {
  it("finds paths in backticks, code blocks and links, and skips placeholders, URLs and runtime files", () => {
    const md = [
      "See `queue/queue.ts` and [storage](packages/storage/README.md#formats).",
      "```",
      "  ─> Channel (channel/channel.ts: dispatch)",
      "```",
      "`exchange/<type>.ts`, `<dataDir>/metadata/definitions.json`, the clean-stop `state.json`, https://example.com/a.md",
      "`queue/*-backlog.ts` and ack-tracker.ts",
    ].join("\n");
    expect(namedPaths(md).sort()).toEqual(["ack-tracker.ts", "channel/channel.ts", "packages/storage/README.md", "queue/*-backlog.ts", "queue/queue.ts"]);
  });

  it("a path must exist at the root, under packages/broker/src, or under a package's src or test", () => {
    const root = fixture({
      "packages/broker/src/queue/queue.ts": "",
      "packages/broker/src/queue/memory-backlog.ts": "",
      "packages/storage/src/ack-tracker.ts": "",
      "packages/storage/README.md": "",
      "ARCHITECTURE.md": [
        "`queue/queue.ts`, `queue/*-backlog.ts`, [s](packages/storage/README.md), ack-tracker.ts",
        "`queue/gone.ts`, `store/*-backlog.ts`, `missing.ts`, [x](packages/x/README.md)",
      ].join("\n"),
    });
    expect(missingPaths(root).sort()).toEqual(["missing.ts", "packages/x/README.md", "queue/gone.ts", "store/*-backlog.ts"]);
  });
});

describe("the script", () => {
  it("passes on this repository (what .ci/run runs)", () => {
    const r = spawnSync(process.execPath, [join(HERE, "check.mjs")], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("exits 1 and names the file on a tree that breaks a rule", () => {
    const root = fixture({ "tools/t/big.mjs": lines(MAX_LINES + 1), "ARCHITECTURE.md": "`tools/t/big.mjs`, `tools/t/nope.mjs`" });
    const r = spawnSync(process.execPath, [join(HERE, "check.mjs"), root], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`tools/t/big.mjs: ${MAX_LINES + 1} lines`);
    expect(r.stderr).toContain("ARCHITECTURE.md names tools/t/nope.mjs");
  });
});

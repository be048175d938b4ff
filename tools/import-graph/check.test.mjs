import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkImportGraph, parseImports } from "./check.mjs";

const CHECK = join(dirname(fileURLToPath(import.meta.url)), "check.mjs");
const roots = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A repo under a temp dir: `files` by path; each packages/x or apps/x gets a package.json named @amqp-go/x. */
function fixture(files) {
  const root = mkdtempSync(join(tmpdir(), "import-graph-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    const [group, unit] = path.split("/");
    mkdirSync(join(root, group, unit), { recursive: true });
    writeFileSync(join(root, group, unit, "package.json"), JSON.stringify({ name: `@amqp-go/${unit}` }));
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** Runs the script as CI does: exit code and what it printed. */
function run(root) {
  const r = spawnSync(process.execPath, [CHECK, root], { encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe("parseImports", () => {
  it("tells value imports from type-only ones", () => {
    const src = [
      'import { a } from "./a.js";',
      'import type { B } from "./b.js";',
      'import { type C, type D } from "./c.js";',
      'import { type E, f } from "./e.js";',
      'import G, { type H } from "./g.js";',
      'import * as ns from "./ns.js";',
      'import "./side-effect.js";',
      'export * from "./star.js";',
      'export * as starNs from "./star-ns.js";',
      'export type { I } from "./i.js";',
      'export { type J } from "./j.js";',
      'export { k, type L } from "./k.js";',
      "import {",
      "  type M,",
      "  n,",
      '} from "./multi-line.js";',
      "export const notAnImport = 1;",
    ].join("\n");
    expect(parseImports(src)).toEqual([
      { specifier: "./a.js", typeOnly: false },
      { specifier: "./b.js", typeOnly: true },
      { specifier: "./c.js", typeOnly: true },
      { specifier: "./e.js", typeOnly: false },
      { specifier: "./g.js", typeOnly: false },
      { specifier: "./ns.js", typeOnly: false },
      { specifier: "./side-effect.js", typeOnly: false },
      { specifier: "./star.js", typeOnly: false },
      { specifier: "./star-ns.js", typeOnly: false },
      { specifier: "./i.js", typeOnly: true },
      { specifier: "./j.js", typeOnly: true },
      { specifier: "./k.js", typeOnly: false },
      { specifier: "./multi-line.js", typeOnly: false },
    ]);
  });

  it("skips imports in comments and template literals, and dynamic import()", () => {
    const src = [
      '// import { x } from "./line-comment.js";',
      "/*",
      'import { y } from "./block-comment.js";',
      "*/",
      "const code = `",
      'import { z } from "./in-a-template.js";',
      "${`nested ${1}`}",
      "`;",
      'const lazy = () => import("./dynamic.js");',
      'import { real } from "./real.js"; // import { w } from "./trailing.js"',
    ].join("\n");
    expect(parseImports(src)).toEqual([{ specifier: "./real.js", typeOnly: false }]);
  });
});

describe("cycles", () => {
  it("a value cycle between files of one package fails, and the cycle is printed", () => {
    const root = fixture({
      "packages/broker/src/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
      "packages/broker/src/b.ts": 'import { c } from "./sub/c.js";\nexport const b = () => c;\n',
      "packages/broker/src/sub/c.ts": 'export { a as c } from "../a.js";\n',
    });
    const r = run(root);
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      "value import cycle between files: packages/broker/src/a.ts -> packages/broker/src/b.ts -> packages/broker/src/sub/c.ts -> packages/broker/src/a.ts",
    );
  });

  it("a type-only cycle passes: import type, export type and { type X } are erased", () => {
    const root = fixture({
      "packages/broker/src/a.ts": 'import { b } from "./b.js";\nexport class A { b = b; }\n',
      "packages/broker/src/b.ts": 'import type { A } from "./a.js";\nimport { type A as A2 } from "./a.js";\nexport type { A } from "./a.js";\nexport const b = (x: A, y: A2) => x === y;\n',
    });
    const r = run(root);
    expect(r.out).toContain("no value cycle");
    expect(r.status).toBe(0);
  });

  it("a file importing itself is a cycle", () => {
    const root = fixture({ "packages/broker/src/self.ts": 'export { x } from "./self.js";\nexport const x = 1;\n' });
    expect(checkImportGraph(root).problems).toEqual([expect.stringContaining("packages/broker/src/self.ts -> packages/broker/src/self.ts")]);
  });

  it("a value cycle between packages fails, naming the file import of each step", () => {
    const root = fixture({
      "apps/server/src/main.ts": 'import { run } from "@amqp-go/bench";\nexport const main = run;\n',
      "apps/bench/src/run.ts": 'import { main } from "@amqp-go/server/main";\nexport const run = () => main;\n',
    });
    const r = run(root);
    expect(r.status).toBe(1);
    expect(r.out).toContain("value import cycle between packages: @amqp-go/bench -> @amqp-go/server -> @amqp-go/bench");
    expect(r.out).toContain("apps/bench/src/run.ts imports '@amqp-go/server/main'");
    expect(r.out).toContain("apps/server/src/main.ts imports '@amqp-go/bench'");
  });

  it("a type-only cycle between packages passes", () => {
    const root = fixture({
      "apps/server/src/main.ts": 'import { run } from "@amqp-go/bench";\nexport const main = run;\n',
      "apps/bench/src/run.ts": 'import type { main } from "@amqp-go/server";\nexport const run = (m: typeof main) => m;\n',
    });
    expect(checkImportGraph(root).problems).toEqual([]);
  });
});

describe("layering", () => {
  const layered = {
    "packages/protocol/src/index.ts": "export const frame = 1;\n",
    "packages/storage/src/index.ts": 'import { frame } from "@amqp-go/protocol";\nexport const store = frame;\n',
    "packages/broker/src/index.ts": 'import { frame } from "@amqp-go/protocol";\nimport { store } from "@amqp-go/storage";\nexport const broker = frame + store;\n',
    "packages/auth/src/index.ts": 'import { broker } from "@amqp-go/broker";\nimport { frame } from "@amqp-go/protocol";\nexport const auth = broker + frame;\n',
    "packages/metrics/src/index.ts": 'import { broker } from "@amqp-go/broker";\nexport const metrics = broker;\n',
    "apps/server/src/main.ts": 'import { auth } from "@amqp-go/auth";\nimport { metrics } from "@amqp-go/metrics";\nimport { store } from "@amqp-go/storage";\nexport const main = auth + metrics + store;\n',
  };

  it("the layering as the architecture has it passes", () => {
    expect(checkImportGraph(fixture(layered)).problems).toEqual([]);
  });

  it.each([
    ["protocol", "packages/protocol/src/up.ts", 'import { store } from "@amqp-go/storage";\n', "@amqp-go/protocol may import nothing of ours"],
    ["storage", "packages/storage/src/up.ts", 'import { broker } from "@amqp-go/broker";\n', "@amqp-go/storage may import @amqp-go/protocol"],
    ["broker", "packages/broker/src/up.ts", 'import { auth } from "@amqp-go/auth";\n', "@amqp-go/broker may import @amqp-go/protocol, @amqp-go/storage"],
    ["metrics (types too)", "packages/metrics/src/side.ts", 'import type { Stats } from "@amqp-go/storage";\n', "imports @amqp-go/storage (type only), against the layering"],
    ["auth, deep", "packages/auth/src/side.ts", 'import { metrics } from "@amqp-go/metrics/internal";\n', "@amqp-go/auth may import @amqp-go/broker, @amqp-go/protocol"],
  ])("an import against it fails: %s", (_name, path, text, message) => {
    const r = run(fixture({ ...layered, [path]: text }));
    expect(r.status).toBe(1);
    expect(r.out).toContain(`${path}: imports`);
    expect(r.out).toContain(message);
  });

  it("a package with no layering rule fails until it gets one", () => {
    const problems = checkImportGraph(fixture({ ...layered, "packages/queues/src/index.ts": "export const q = 1;\n" })).problems;
    expect(problems).toEqual([expect.stringContaining("@amqp-go/queues (packages/queues) has no layering rule")]);
  });

  it("an import of the package's own build output stands for its source, built or not (a fresh clone has no dist)", () => {
    const root = fixture({
      ...layered,
      "packages/protocol/src/codec.bench.ts": 'import { frame } from "../dist/index.js";\n',
    });
    expect(checkImportGraph(root).problems).toEqual([]);
    expect(run(root).status).toBe(0);
  });

  it("a relative import into another package, or to nothing, fails", () => {
    const problems = checkImportGraph(
      fixture({
        ...layered,
        "packages/broker/src/deep.ts": 'import { frame } from "../../protocol/src/index.js";\nimport { gone } from "./gone.js";\n',
      }),
    ).problems;
    expect(problems).toEqual([
      "packages/broker/src/deep.ts: '../../protocol/src/index.js' reaches outside its package: import it by its package name",
      "packages/broker/src/deep.ts: cannot resolve './gone.js'",
    ]);
  });
});

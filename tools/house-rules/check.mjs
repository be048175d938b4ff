#!/usr/bin/env node
/**
 * House rules a reviewer can rerun, checked over the tree:
 *
 * - File size: no source file (TypeScript or JavaScript, tests and scripts included) under
 *   packages/, apps/ or tools/ is over MAX_LINES lines. Generated code (any `generated/`
 *   directory), `dist/` and `node_modules/` are left out; EXEMPT lists the files allowed over the
 *   limit for now, each with the reason.
 * - ARCHITECTURE.md names only files that exist. A path it names (`queue/queue.ts`,
 *   `packages/storage/src/settings.ts`, a link) must exist at the root, under
 *   packages/broker/src/ (the document's default: "all paths below are under
 *   packages/broker/src/ unless they name a package"), or under a package's or app's src/ or
 *   test/. A bare file name (`ack-tracker.ts`) must exist somewhere in those places. Placeholders
 *   (`exchange/<type>.ts`) are skipped, globs (`queue/*-backlog.ts`) must match a file.
 *
 *   node tools/house-rules/check.mjs [root]      exit 0: clean; exit 1: what is wrong is printed
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const MAX_LINES = 400;

/** Files allowed over MAX_LINES for now, by path from the root, with the reason. */
export const EXEMPT = {};

const SOURCE = /\.(ts|mts|cts|tsx|js|mjs|cjs)$/;
const SKIP_DIRS = new Set(["node_modules", "dist", "generated", ".turbo", "coverage"]);

/** Every file under `dir` (relative to `root`), skipping SKIP_DIRS and dot-directories. */
function* walk(root, dir) {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const path = dir === "" ? e.name : `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !e.name.startsWith(".")) yield* walk(root, path);
    } else if (e.isFile()) yield path;
  }
}

const lineCount = (text) => (text.length === 0 ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0));

/** Source files over `max` lines that are not exempt: `{ path, lines }`, longest first. */
export function oversizedFiles(root, max = MAX_LINES, exempt = EXEMPT) {
  const out = [];
  for (const top of ["packages", "apps", "tools"]) {
    for (const path of walk(root, top)) {
      if (!SOURCE.test(path) || path in exempt) continue;
      const lines = lineCount(readFileSync(join(root, path), "utf8"));
      if (lines > max) out.push({ path, lines });
    }
  }
  return out.sort((a, b) => b.lines - a.lines);
}

/** Exempt files that no longer need it (gone, or within the limit): the entry should go. */
export function staleExemptions(root, max = MAX_LINES, exempt = EXEMPT) {
  return Object.keys(exempt).filter((path) => !existsSync(join(root, path)) || lineCount(readFileSync(join(root, path), "utf8")) <= max);
}

/** File paths a Markdown text names: in backticks, in code blocks or as link targets. */
export function namedPaths(markdown) {
  const out = new Set();
  const re = /(?<![\w/.<>*-])((?:[\w.<>*@-]+\/)*[\w<>*-][\w.<>*-]*\.(?:ts|mjs|md|json|yaml))(?![\w/-])/g;
  for (const m of markdown.matchAll(re)) {
    const p = m[1];
    if (p.startsWith("http") || p.includes("<")) continue;
    if (!p.includes("/") && p.endsWith(".json")) continue; // a bare data file name: a runtime file (state.json)
    out.add(p.replace(/^\.\//, ""));
  }
  return [...out];
}

/** Where a path named in ARCHITECTURE.md may live, from the root. */
function bases(root) {
  const out = ["", "packages/broker/src"];
  for (const group of ["packages", "apps", "tools"]) {
    let units = [];
    try {
      units = readdirSync(join(root, group));
    } catch {
      continue;
    }
    for (const u of units) for (const sub of ["src", "test", ""]) out.push(sub === "" ? `${group}/${u}` : `${group}/${u}/${sub}`);
  }
  return out;
}

function globToRegExp(glob) {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
}

/** Whether `path` (maybe a glob in its last part) names a file under one of `bases`. */
function exists(root, all, bases, path) {
  if (!path.includes("/")) return all.some((f) => f === path || f.endsWith(`/${path}`));
  if (path.includes("*")) {
    const dir = dirname(path);
    const re = globToRegExp(path.slice(dir.length + 1));
    return bases.some((b) => {
      try {
        return readdirSync(join(root, b, dir)).some((n) => re.test(n));
      } catch {
        return false;
      }
    });
  }
  return bases.some((b) => existsSync(join(root, b, path)));
}

/** The paths `doc` (relative to `root`) names that exist nowhere the rules allow. */
export function missingPaths(root, doc = "ARCHITECTURE.md") {
  const text = readFileSync(join(root, doc), "utf8");
  const all = [];
  for (const top of ["packages", "apps", "tools"]) for (const f of walk(root, top)) all.push(f);
  const b = bases(root);
  return namedPaths(text).filter((p) => !exists(root, all, b, p.replace(/\/$/, "")));
}

/** Runs every check; returns the problems as lines (none: clean). */
export function check(root) {
  const problems = [];
  for (const { path, lines } of oversizedFiles(root)) problems.push(`${path}: ${lines} lines (at most ${MAX_LINES}; split it along its jobs)`);
  for (const path of staleExemptions(root)) problems.push(`${path}: exempt in tools/house-rules/check.mjs but within ${MAX_LINES} lines or gone: remove the entry`);
  if (existsSync(join(root, "ARCHITECTURE.md"))) {
    for (const p of missingPaths(root)) problems.push(`ARCHITECTURE.md names ${p}, which does not exist`);
  }
  return problems;
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] !== undefined && resolve(process.argv[1]) === self) {
  const root = resolve(process.argv[2] ?? join(dirname(self), "..", ".."));
  const problems = check(root);
  if (problems.length > 0) {
    for (const p of problems) console.error(p);
    process.exit(1);
  }
  console.log(`house rules: no source file over ${MAX_LINES} lines (${Object.keys(EXEMPT).length} exempt), ARCHITECTURE.md names only files that exist`);
}

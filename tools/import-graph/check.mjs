#!/usr/bin/env node
/**
 * The import graph of packages/*\/src and apps/*\/src, checked: no value-level import cycle
 * between packages or between the files of one package, and no import against the layering
 *
 *   protocol  <-  storage  <-  broker  <-  auth, metrics  <-  management  <-  apps/*
 *   (protocol imports nothing of ours; auth, metrics and management may also import protocol;
 *   management, the HTTP API, sits on broker and auth; management-ui, the web pages it serves, imports
 *   nothing of ours)
 *
 * "Value-level" means an import that is still there at run time: `import type`, `export type` and
 * imports whose every specifier is `type X` are left out (they are erased). Layering counts every
 * import, types too: a type from a package the layering forbids is still a dependency on it.
 * Dynamic `import()` is left out (it is not evaluated at load, so it cannot make a load cycle).
 * (main had no value cycle when this check came, so there is no allow-list: every cycle fails.)
 *
 *   node tools/import-graph/check.mjs [root]      exit 0: clean; exit 1: what is wrong is printed
 *
 * No dependencies: a small scanner, not a TypeScript parser. It drops comments and template
 * literals, then reads `import` / `export ... from` statements that begin a line.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** What each package may import (its own files aside). Apps may import anything. */
export const LAYERS = {
  "@amqp-go/protocol": [],
  "@amqp-go/storage": ["@amqp-go/protocol"],
  "@amqp-go/broker": ["@amqp-go/protocol", "@amqp-go/storage"],
  "@amqp-go/auth": ["@amqp-go/broker", "@amqp-go/protocol"],
  "@amqp-go/metrics": ["@amqp-go/broker", "@amqp-go/protocol"],
  "@amqp-go/management-ui": [],
  "@amqp-go/management": ["@amqp-go/auth", "@amqp-go/broker", "@amqp-go/management-ui", "@amqp-go/protocol"],
  "@amqp-go/testing": ["@amqp-go/broker", "@amqp-go/protocol"],
};

/** Source with comments and template literal contents blanked (newlines kept), strings kept. */
export function stripComments(src) {
  let out = "";
  let i = 0;
  const n = src.length;
  const blank = (s) => s.replace(/[^\n]/g, " ");
  while (i < n) {
    const c = src[i];
    const d = src[i + 1];
    if (c === "/" && d === "/") {
      const end = src.indexOf("\n", i);
      const stop = end < 0 ? n : end;
      out += blank(src.slice(i, stop));
      i = stop;
    } else if (c === "/" && d === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      out += blank(src.slice(i, stop));
      i = stop;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== "\n") j += src[j] === "\\" ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else if (c === "`") {
      // a template literal, with ${...} nested to any depth: blanked whole
      let j = i + 1;
      let depth = 0;
      while (j < n) {
        const t = src[j];
        if (t === "\\") j += 2;
        else if (depth === 0 && t === "`") break;
        else if (t === "$" && src[j + 1] === "{") {
          depth++;
          j += 2;
        } else if (depth > 0 && t === "}") {
          depth--;
          j++;
        } else j++;
      }
      out += blank(src.slice(i, j + 1));
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const IMPORT_FROM = /^[ \t]*import\s+(type\s+)?([\w$]+\s*(?:,\s*)?)?(\*\s*as\s+[\w$]+|\{[^}]*\})?\s*from\s*(["'])([^"'\n]+)\4/gm;
const IMPORT_BARE = /^[ \t]*import\s*(["'])([^"'\n]+)\1/gm;
const EXPORT_FROM = /^[ \t]*export\s+(type\s+)?(\*(?:\s*as\s+[\w$]+)?|\{[^}]*\})\s*from\s*(["'])([^"'\n]+)\3/gm;

/** True when every specifier in `{ ... }` is marked `type` (and there is at least one). */
function allTypeSpecifiers(braces) {
  const names = braces
    .slice(1, -1)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return names.length > 0 && names.every((s) => /^type\s/.test(s));
}

/** The static imports and re-exports of one module: `{ specifier, typeOnly }` in source order. */
export function parseImports(src) {
  const code = stripComments(src);
  const found = [];
  for (const m of code.matchAll(IMPORT_FROM)) {
    const [, typeKw, defaultName, clause, , specifier] = m;
    const typeOnly = typeKw !== undefined || (defaultName === undefined && clause !== undefined && clause.startsWith("{") && allTypeSpecifiers(clause));
    found.push({ at: m.index, specifier, typeOnly });
  }
  for (const m of code.matchAll(IMPORT_BARE)) found.push({ at: m.index, specifier: m[2], typeOnly: false });
  for (const m of code.matchAll(EXPORT_FROM)) {
    const [, typeKw, clause, , specifier] = m;
    const typeOnly = typeKw !== undefined || (clause.startsWith("{") && allTypeSpecifiers(clause));
    found.push({ at: m.index, specifier, typeOnly });
  }
  return found.sort((a, b) => a.at - b.at).map(({ specifier, typeOnly }) => ({ specifier, typeOnly }));
}

function walk(dir, files = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, files);
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) files.push(p);
  }
  return files;
}

/** The workspace units scanned: `{ name, dir, app, files }` for packages/* and apps/* with a src/. */
function units(root) {
  const out = [];
  for (const group of ["packages", "apps"]) {
    const g = join(root, group);
    if (!existsSync(g)) continue;
    for (const d of readdirSync(g).sort()) {
      const dir = join(g, d);
      const pkg = join(dir, "package.json");
      if (!existsSync(pkg) || !existsSync(join(dir, "src"))) continue;
      const { name } = JSON.parse(readFileSync(pkg, "utf8"));
      out.push({ name, dir, app: group === "apps", files: walk(join(dir, "src")) });
    }
  }
  return out;
}

/** A relative specifier to the .ts file it names: `./x.js` -> x.ts, `./x` -> x.ts or x/index.ts. */
function resolveRelative(from, specifier) {
  const base = resolve(dirname(from), specifier);
  const stem = base.replace(/\.(m|c)?js$/, "");
  // A package's build output (dist/x.js, absent in a fresh clone) stands for its source (src/x.ts).
  const source = stem.replace(/([\\/])dist(?=[\\/]|$)/, "$1src");
  for (const s of stem === source ? [stem] : [stem, source]) {
    for (const c of [`${s}.ts`, `${s}.tsx`, join(s, "index.ts")]) {
      if (existsSync(c) && statSync(c).isFile()) return c;
    }
  }
  return existsSync(base) && statSync(base).isFile() ? base : null;
}

/** Strongly connected components with a cycle (more than one node, or a self-import), Tarjan. */
export function cycles(nodes, edges) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (edges.get(v) ?? new Set()).has(v)) out.push(scc.sort());
    }
  };
  for (const v of nodes) if (!idx.has(v)) visit(v);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** One closed path through `scc` (a shortest cycle through its first node), to print. */
export function cyclePath(scc, edges) {
  const inScc = new Set(scc);
  const start = scc[0];
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of edges.get(v) ?? []) {
      if (!inScc.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/**
 * Reads the graph under `root` and checks it. Returns `{ problems, stats }`: `problems` (each a
 * printable paragraph: a cycle with the imports that close it, or an import against the layering)
 * is empty when the graph is clean.
 */
export function checkImportGraph(root) {
  const problems = [];
  const all = units(root);
  const byName = new Map(all.map((u) => [u.name, u]));
  const rel = (p) => relative(root, p).split(sep).join("/");
  const fileEdges = new Map();
  const pkgEdges = new Map(all.map((u) => [u.name, new Set()]));
  const via = new Map(); // "a -> b" -> the first file import that made the package edge
  let files = 0;
  let imports = 0;
  for (const u of all) {
    const ours = (spec) => [...byName.keys()].find((n) => spec === n || spec.startsWith(`${n}/`));
    const allowedDeps = LAYERS[u.name];
    if (!u.app && allowedDeps === undefined) problems.push(`${u.name} (${rel(u.dir)}) has no layering rule: add it to LAYERS in tools/import-graph/check.mjs`);
    for (const f of u.files) {
      files++;
      const out = new Set();
      fileEdges.set(rel(f), out);
      for (const { specifier, typeOnly } of parseImports(readFileSync(f, "utf8"))) {
        if (specifier.startsWith(".")) {
          const target = resolveRelative(f, specifier);
          if (target === null) {
            problems.push(`${rel(f)}: cannot resolve '${specifier}'`);
            continue;
          }
          // Tests and benches may reach the package's test/ helpers or dist/, never another package.
          if (!target.startsWith(u.dir + sep)) problems.push(`${rel(f)}: '${specifier}' reaches outside its package: import it by its package name`);
          imports++;
          if (!typeOnly && target.startsWith(join(u.dir, "src") + sep) && /\.tsx?$/.test(target)) out.add(rel(target));
          continue;
        }
        const dep = ours(specifier);
        if (dep === undefined) continue; // node: builtins and third-party packages
        imports++;
        if (dep === u.name) {
          problems.push(`${rel(f)}: imports its own package by name ('${specifier}'): use a relative import`);
          continue;
        }
        if (!u.app && allowedDeps !== undefined && !allowedDeps.includes(dep)) {
          const may = allowedDeps.length === 0 ? "nothing of ours" : allowedDeps.join(", ");
          problems.push(`${rel(f)}: imports ${specifier}${typeOnly ? " (type only)" : ""}, against the layering: ${u.name} may import ${may}`);
        }
        if (!typeOnly) {
          pkgEdges.get(u.name).add(dep);
          const key = `${u.name} -> ${dep}`;
          if (!via.has(key)) via.set(key, `${rel(f)} imports '${specifier}'`);
        }
      }
    }
  }

  for (const scc of cycles([...pkgEdges.keys()], pkgEdges)) {
    const path = cyclePath(scc, pkgEdges);
    const steps = path.slice(1).map((to, i) => `  ${via.get(`${path[i]} -> ${to}`)}`);
    problems.push([`value import cycle between packages: ${path.join(" -> ")}`, ...steps].join("\n"));
  }
  for (const scc of cycles([...fileEdges.keys()], fileEdges)) {
    const path = cyclePath(scc, fileEdges);
    const text = [`value import cycle between files: ${path.join(" -> ")}`];
    if (scc.length > path.length - 1) text.push(`  (${scc.length} files in this knot: ${scc.join(", ")})`);
    text.push("  break it: `import type` where only types cross, or move what both need into a third file");
    problems.push(text.join("\n"));
  }
  return { problems, stats: { units: all.length, files, imports } };
}

function main() {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = resolve(process.argv[2] ?? join(here, "..", ".."));
  const { problems, stats } = checkImportGraph(root);
  if (problems.length > 0) {
    console.error(problems.join("\n\n"));
    console.error(`\nimport graph: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.log(`import graph: ${stats.units} packages and apps, ${stats.files} files, ${stats.imports} imports of our own: no value cycle, layering kept`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

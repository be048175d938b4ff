/**
 * `pnpm codegen`: reads spec/amqp0-9-1.extended.xml and writes packages/protocol/src/generated/.
 * Usage: node dist/main.js [--check]   (--check writes nothing and exits 1 if a file would change)
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "./index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const specPath = join(root, "spec/amqp0-9-1.extended.xml");
const outDir = join(root, "packages/protocol/src/generated");
const check = process.argv.includes("--check");

const files = generate(readFileSync(specPath, "utf8"));
let stale = 0;
mkdirSync(outDir, { recursive: true });
for (const [name, text] of Object.entries(files)) {
  const path = join(outDir, name);
  const old = existsSync(path) ? readFileSync(path, "utf8") : undefined;
  if (old === text) continue;
  stale++;
  if (check) console.error(`stale: packages/protocol/src/generated/${name}`);
  else writeFileSync(path, text);
}
console.log(`codegen: ${Object.keys(files).length} files, ${stale} ${check ? "stale" : "written"}`);
if (check && stale > 0) process.exit(1);

// Totals the vitest JSON reports of every workspace package into one plain line for CI:
// "N passed, N failed, N skipped". Exits non-zero when a test failed or none ran.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

let passed = 0;
let failed = 0;
let skipped = 0;
let suitesFailed = 0;
for (const group of ["packages", "apps", "tools", "test"]) {
  if (!existsSync(group)) continue;
  for (const dir of readdirSync(group)) {
    const report = join(group, dir, ".vitest-result.json");
    if (!existsSync(report)) continue;
    const r = JSON.parse(readFileSync(report, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    suitesFailed += r.numFailedTestSuites ?? 0;
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || suitesFailed > 0 || passed === 0 ? 1 : 0);

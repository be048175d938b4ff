#!/usr/bin/env node
/**
 * The release as a user gets it: packs every publishable package with pnpm (what `changeset
 * publish` runs: `workspace:` ranges become versions), then in empty directories, with plain npm
 * and the public registry for third-party dependencies:
 *   1. installs @amqp-go/server from the tarballs, starts `amqp-server`, publishes and consumes
 *      over AMQP (amqplib, from this repo), stops it with SIGTERM;
 *   2. installs @amqp-go/broker alone with `--omit=optional` (no roaring, no compiler) and runs an
 *      in-memory broker from it;
 *   3. installs @amqp-go/protocol alone and uses it from ESM, from CommonJS (`require`) and from
 *      TypeScript with `node16` and `bundler` module resolution.
 * Prints install times and installed sizes; exits non-zero on the first failure.
 *
 *   pnpm build && node tools/pack-test/pack-test.mjs [--keep]
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import amqp from "amqplib";

const root = resolve(import.meta.dirname, "../..");
const tsc = join(import.meta.dirname, "node_modules/typescript/bin/tsc");
const keep = process.argv.includes("--keep");
const work = mkdtempSync(join(tmpdir(), "amqp-go-pack-"));
const PUBLISHABLE = ["protocol", "storage", "broker", "auth", "metrics", "management-ui", "management", "server", "testing"];
let failures = 0;

function run(cmd, args, cwd, env = {}) {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
}
function check(what, ok, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? `: ${detail}` : ""}`);
  if (!ok) failures++;
}
function duSize(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  return total;
}
function project(name) {
  const dir = join(work, name);
  run("mkdir", ["-p", dir], work);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `pack-test-${name}`, private: true, version: "0.0.0" }));
  return dir;
}
function npmInstall(dir, specs, extra = []) {
  const t0 = performance.now();
  // No npm_config_* of pnpm's or of the CI's (nodedir stays: it is how node-gyp finds headers here).
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...extra, ...specs], dir);
  const seconds = (performance.now() - t0) / 1000;
  const mib = duSize(join(dir, "node_modules")) / 2 ** 20;
  return { seconds, mib };
}

// 0. Pack, as `changeset publish` would (pnpm pack rewrites workspace: ranges).
const tarballs = join(work, "tarballs");
const filters = PUBLISHABLE.flatMap((p) => ["--filter", `@amqp-go/${p}`]);
run("pnpm", [...filters, "pack", "--pack-destination", tarballs], root);
const tgz = Object.fromEntries(readdirSync(tarballs).map((f) => [f.replace(/^amqp-go-(.*)-\d+\.\d+\.\d+.*\.tgz$/, "$1"), join(tarballs, f)]));
check("every publishable package packed", PUBLISHABLE.every((p) => tgz[p] !== undefined), Object.keys(tgz).join(", "));
const serverManifest = JSON.parse(run("tar", ["-xOzf", tgz.server, "package/package.json"], work));
check("no workspace: range left in a packed manifest", !JSON.stringify(serverManifest).includes("workspace:"), JSON.stringify(serverManifest.dependencies));
const files = run("tar", ["-tzf", tgz.protocol], work).split("\n");
check("tarballs hold LICENSE, README and types, no tests", files.includes("package/LICENSE") && files.includes("package/README.md") && files.includes("package/dist/index.d.ts") && !files.some((f) => f.includes(".test.")));

// 0b. The first release: `changeset version` in a clean clone gives 0.1.0 everywhere and changelogs.
{
  const clone = join(work, "clone");
  run("git", ["clone", "-q", root, clone], work);
  run("node", [join(root, "node_modules/@changesets/cli/bin.js"), "version"], clone);
  const versions = PUBLISHABLE.map((p) => {
    const dir = p === "server" ? "apps/server" : `packages/${p}`;
    return [p, JSON.parse(run("cat", [join(clone, dir, "package.json")], clone)).version, readdirSync(join(clone, dir)).includes("CHANGELOG.md")];
  });
  check("`changeset version` makes the first release 0.1.0, each with a CHANGELOG.md", versions.every(([, v, c]) => v === "0.1.0" && c), JSON.stringify(versions));
}

// 1. The server from tarballs: install, start, publish and consume, stop.
{
  const dir = project("server");
  const { seconds, mib } = npmInstall(dir, PUBLISHABLE.map((p) => tgz[p]));
  console.log(`     server install: ${seconds.toFixed(1)} s, ${mib.toFixed(1)} MiB in node_modules`);
  const ui = readdirSync(join(dir, "node_modules/@amqp-go/management-ui/dist/www"), { recursive: true }).map(String);
  check("the web UI's built pages are in @amqp-go/management-ui", ui.includes("index.html") && ui.some((f) => /^assets[/\\]index-.*\.js$/.test(f)), ui.join(", "));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(join(dir, "node_modules/.bin/amqp-server"), ["--port", String(port), "--metrics-port", "0", "--management-port", "0", "--data-dir", join(dir, "data")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise((r) => child.on("exit", (code, signal) => r({ code, signal })));
  let conn = null;
  for (let i = 0; i < 100 && conn === null; i++) {
    conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`).catch(() => null);
    if (conn === null) await new Promise((r) => setTimeout(r, 100));
  }
  check("amqp-server from the tarballs accepts a connection", conn !== null, conn === null ? out.slice(-2000) : "");
  if (conn !== null) {
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue("pack-test", { durable: true });
    ch.sendToQueue("pack-test", Buffer.from("hello from a tarball"), { persistent: true });
    await ch.waitForConfirms();
    const got = await new Promise((r) => ch.consume("pack-test", (m) => (ch.ack(m), r(m.content.toString()))));
    check("publish (durable, persistent, confirmed) and consume", got === "hello from a tarball", got);
    await conn.close();
  }
  child.kill("SIGTERM");
  const end = await exited;
  check("SIGTERM stops it cleanly", end.code === 0, JSON.stringify(end));
}

// 2. The broker alone, without optional dependencies: no roaring, no compiler, in memory.
{
  const dir = project("broker");
  const { seconds, mib } = npmInstall(dir, [tgz.broker, tgz.storage, tgz.protocol], ["--omit=optional"]);
  console.log(`     broker install (--omit=optional): ${seconds.toFixed(1)} s, ${mib.toFixed(1)} MiB`);
  const roaringThere = readdirSync(join(dir, "node_modules")).includes("roaring");
  check("no roaring installed", !roaringThere);
  writeFileSync(
    join(dir, "embed.mjs"),
    `import { Broker } from "@amqp-go/broker";
const broker = new Broker();
const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
console.log("started", port > 0);
await broker.close();`,
  );
  try {
    const r = run("node", ["embed.mjs"], dir);
    check("an in-memory broker runs without roaring", r.includes("started"), r.trim());
  } catch (e) {
    check("an in-memory broker runs without roaring", false, String(e.stderr || e).slice(0, 1500));
  }
}

// 3. The codec alone: ESM, CommonJS, TypeScript (node16, bundler).
{
  const dir = project("protocol");
  const { seconds, mib } = npmInstall(dir, [tgz.protocol]);
  console.log(`     protocol install: ${seconds.toFixed(1)} s, ${mib.toFixed(2)} MiB`);
  const use = (imp) => `${imp}
const w = new FrameWriter({ frameMax: 4096 });
w.method(0, { id: MethodId.ConnectionCloseOk });
const bytes = w.take();
let seen = "";
new FrameParser({ onMethod: (_c, m) => (seen = m.id === MethodId.ConnectionCloseOk ? "close-ok" : "?"), onHeader() {}, onBody() {}, onHeartbeat() {}, onProtocolHeader() {} }, { frameMax: 4096 }).push(bytes);
console.log(seen);`;
  writeFileSync(join(dir, "esm.mjs"), use(`import { FrameParser, FrameWriter, MethodId } from "@amqp-go/protocol";`));
  writeFileSync(join(dir, "cjs.cjs"), use(`const { FrameParser, FrameWriter, MethodId } = require("@amqp-go/protocol");`));
  for (const f of ["esm.mjs", "cjs.cjs"]) {
    try {
      check(`protocol from ${f}`, run("node", [f], dir).trim() === "close-ok");
    } catch (e) {
      check(`protocol from ${f}`, false, String(e.stderr || e).slice(0, 1000));
    }
  }
  npmInstall(dir, ["@types/node@^20.19.0"]); // a TypeScript user of a Node library has these
  writeFileSync(
    join(dir, "use.mts"),
    `import { FrameWriter, MethodId, type Method } from "@amqp-go/protocol";
const m: Method = { id: MethodId.ConnectionCloseOk } as Method;
new FrameWriter({ frameMax: 4096 }).method(0, m);
export const n: number = MethodId.ConnectionCloseOk;\n`,
  );
  for (const [resolution, module] of [["node16", "node16"], ["bundler", "esnext"]]) {
    try {
      run("node", [tsc, "--noEmit", "--strict", "--skipLibCheck", "false", "--types", "node", "--module", module, "--moduleResolution", resolution, "use.mts"], dir);
      check(`protocol's types with moduleResolution ${resolution}`, true);
    } catch (e) {
      check(`protocol's types with moduleResolution ${resolution}`, false, String(e.stdout || e).slice(0, 1500));
    }
  }
}

// 4. @amqp-go/testing from each test runner's example project (examples/testing), ESM and CommonJS,
// the four at once (npm installs mostly wait on the network). Optional dependencies are left out
// (roaring: only durable queues need it), but for Vitest, whose bundler (rollup) ships its native
// binary as an optional dependency.
function sh(cmd, args, cwd, timeout) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, CI: "1", FORCE_COLOR: "0", NO_COLOR: "1" } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeout);
    child.on("close", (code) => (clearTimeout(timer), done({ code, out })));
  });
}
const runners = readdirSync(join(root, "examples/testing"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
const results = await Promise.all(
  runners.map(async (runner) => {
    const dir = join(work, `example-${runner}`);
    cpSync(join(root, "examples/testing", runner), dir, { recursive: true });
    const t0 = performance.now();
    const inst = await sh("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...(runner === "vitest" ? [] : ["--omit=optional"]), ...["testing", "broker", "storage", "protocol"].map((p) => tgz[p])], dir, 300_000);
    const t1 = performance.now();
    const test = inst.code === 0 ? await sh("npm", ["test"], dir, 180_000) : inst;
    return { runner, inst, test, installS: (t1 - t0) / 1000, testS: (performance.now() - t1) / 1000 };
  }),
);
for (const { runner, test, installS, testS } of results) {
  const leaks = /Jest has detected the following|There (are|is) \d+ handles?/i.test(test.out);
  const summary = test.out.split("\n").filter((l) => /^(Tests:|# pass|# fail|\s*\d+ passing|\s*Tests\s+\d)|# 200/.test(l.trim())).map((l) => l.trim()).join("; ");
  check(`examples/testing/${runner}: npm test passes, no handle left open`, test.code === 0 && !leaks, test.code === 0 && !leaks ? `install ${installS.toFixed(1)} s, test ${testS.toFixed(1)} s; ${summary}` : test.out.slice(-3000));
}

if (!keep) rmSync(work, { recursive: true, force: true });
else console.log(`kept ${work}`);
console.log(failures === 0 ? "pack test passed" : `pack test: ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);

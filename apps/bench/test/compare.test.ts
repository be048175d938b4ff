/**
 * bench:compare end to end, on our server only (RabbitMQ is not started here: it takes 5-11 s and
 * may not be installed): it starts the built amqp-server, runs a scenario, samples the broker and
 * writes the table.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { assertBuilt } from "./helpers.js";

beforeAll(assertBuilt);
const dir = mkdtempSync(join(tmpdir(), "amqp-bench-compare-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const compare = fileURLToPath(new URL("../dist/compare/main.js", import.meta.url));

it("runs a scenario on a fresh amqp-go and writes the BENCHMARKS table", async () => {
  const out = join(dir, "BENCHMARKS.md");
  const args = [compare, "--scenarios", "1p1c-10k,ttl-50ms-dlx", "--duration", "1", "--no-rabbitmq", "--wait-idle", "0", "--attempts", "1", "--out", out];
  const code = await new Promise<number | null>((resolve) => {
    spawn(process.execPath, args, { stdio: "ignore" }).on("close", resolve);
  });
  expect(code).toBe(0);
  const md = readFileSync(out, "utf8");
  expect(md).toMatch(/^# Benchmarks\n/);
  expect(md).toMatch(/^- Machine: .+, \d+ cores, \d+ GiB RAM, Linux /m);
  expect(md).toMatch(/^- amqp-go: amqp-go \S+.*, on Node\.js v\d+/m);
  expect(md).toMatch(/^- Load: amqp-bench \S+ \(raw client on @amqp-go\/protocol/m);
  expect(md).toContain("| scenario | amqp-go msg/s | published | CPU µs/msg | p99 ms | peak RSS |");
  // A measured rate (1 s at a fixed 10,000 msg/s; a loaded CI machine falls short by any amount, 8,551
  // seen, so only the shape is checked), the published rate beside it, the server's CPU per message,
  // a p99 in ms and its peak RSS.
  expect(md).toMatch(/^\| `1p1c-10k` \| [\d,]+ \| [\d,]+ \| [\d.]+ \| [\d.,]+ \| \d+ MiB \|$/m);
  // The generator's own cost beside the broker's cores.
  expect(md).toMatch(/^- `1p1c-10k`: amqp-go [\d.]+ \/ [\d.]+ \/ [\d.]+; generator [\d.]+%$/m);
  // A run with a dead-letter queue says how many messages expired into it.
  expect(md).toMatch(/^\| `ttl-50ms-dlx` \| [\d,]+ \| [\d,]+ \| /m);
  expect(md).toMatch(/^- `ttl-50ms-dlx` dead-lettered \(expired, in the dead-letter queue at the end, not in msg\/s\): amqp-go [\d,]+ of [\d,]+ published\.$/m);
});

// Slow-disk RSS (issue 19): the broker in this process (data dir under the OS temp dir), each
// fdatasync of the log delayed by DELAY ms (default 100) through the storage test hook, memory
// watermark 512 MiB; a publisher with confirms and no consumer (256 B persistent messages, as fast
// as its socket takes them) in a child process for SECONDS s (default 60). Prints the broker's RSS
// every 5 s and its peak. PENDING=<octets> sets storage.walPendingBytes (a huge value: no disk flow).
//   pnpm --filter @amqp-go/broker build && node packages/broker/scripts/slow-disk-rss.mjs
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

if (process.argv[2] === "publisher") {
  const { default: amqp } = await import("amqplib");
  const c = await amqp.connect(process.argv[3]);
  const ch = await c.createConfirmChannel();
  await ch.assertQueue("slow", { durable: true });
  const body = Buffer.alloc(256, 7);
  let sent = 0, acked = 0;
  const onAck = (err) => { if (!err) acked++; };
  setInterval(() => process.send({ sent, acked }), 1000);
  for (;;) {
    for (let i = 0; i < 1000; i++) { sent++; if (!ch.sendToQueue("slow", body, { persistent: true }, onAck)) { await new Promise((r) => ch.once("drain", r)); } }
    await new Promise((r) => setImmediate(r));
  }
} else {
  const { Broker } = await import("../dist/index.js");
  const { storageFaults } = await import("@amqp-go/storage");
  const DELAY = Number(process.env.DELAY ?? 100), SECONDS = Number(process.env.SECONDS ?? 60);
  storageFaults.syncDelayMs = DELAY;
  const dir = mkdtempSync(join(tmpdir(), "slow-disk-"));
  const broker = new Broker({ heartbeat: 0, dataDir: dir, memoryHighWatermark: 512 * 1024 * 1024, storage: process.env.PENDING ? { walPendingBytes: Number(process.env.PENDING) } : {} });
  const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
  const child = fork(new URL(import.meta.url).pathname, ["publisher", `amqp://guest:guest@127.0.0.1:${port}`]);
  let last = { sent: 0, acked: 0 }; child.on("message", (m) => (last = m));
  let peak = 0; const t0 = Date.now();
  const timer = setInterval(() => {
    const rss = process.memoryUsage().rss; peak = Math.max(peak, rss);
    const s = Math.round((Date.now() - t0) / 1000);
    if (s % 5 === 0) console.log(`${s}s rss ${(rss / 2 ** 20).toFixed(0)} MiB, sent ${last.sent}, confirmed ${last.acked}, pending ${(broker.store.flow.bytes / 2 ** 20).toFixed(1)} MiB, flow ${broker.connectionsIn("flow")}, blocked ${broker.connectionsIn("blocked")}`);
  }, 1000);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  clearInterval(timer); child.kill();
  console.log(`peak rss ${(peak / 2 ** 20).toFixed(0)} MiB over ${SECONDS} s, fdatasync +${DELAY} ms; confirmed ${last.acked} of ${last.sent} sent`);
  storageFaults.syncDelayMs = 0;
  await broker.close(); rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

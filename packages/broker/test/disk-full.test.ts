/**
 * A disk that really fills: as root, the data directory is a 6 MiB tmpfs that publishing fills
 * (ENOSPC from the kernel); elsewhere the storage's test hook fails the writes once a few hundred
 * messages are in. No disk alarm, so the writes do fail. Everything confirmed survives, the broker
 * stays up through a declaration and an auto-delete on the full disk, and publishing works again
 * once space is freed.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storageFaults } from "@amqp-go/storage";
import { afterAll, describe, expect, it } from "vitest";
import { until } from "./helpers.js";
import { connect, dataDir, linesWith, start, stop } from "./storage-helpers.js";

/** A 6 MiB tmpfs when this process may mount one (root), else null. */
function tinyDisk(): string | null {
  if (process.getuid?.() !== 0) return null;
  const mnt = mkdtempSync(join(tmpdir(), "amqp-go-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=6m", "tmpfs", mnt], { stdio: "ignore" });
    return mnt;
  } catch {
    rmSync(mnt, { recursive: true, force: true });
    return null;
  }
}

const mnt = tinyDisk();
afterAll(() => {
  if (mnt === null) return;
  execFileSync("umount", [mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

// No checkpoint: it would give space back (log files deleted) while the test wants the disk full.
const options = { diskFreeLimit: 0, storage: { walFileSize: 1 << 20, segmentSize: 1 << 16, checkpointInterval: 600_000 } };

/** Takes whatever space is left on the tmpfs, in `path`. */
function fillUp(path: string): void {
  const chunk = Buffer.alloc(4096, 2);
  const fd = openSync(path, "w");
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
}

describe(`a disk that fills up (${mnt === null ? "test hook" : "tmpfs"})`, () => {
  it("nacks, refuses a durable declaration with 541, survives an auto-delete, and takes publishes again once space is freed", async () => {
    const dir = mnt === null ? dataDir() : join(mnt, "data");
    const filler = mnt === null ? null : join(mnt, "filler");
    if (filler !== null) {
      mkdirSync(dir);
      writeFileSync(filler, Buffer.alloc(2 << 20, 1));
    }
    const a = await start(dir, options);
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("q", { durable: true });
    const consumer = await connect(a.url);
    const cch = await consumer.createChannel();
    await cch.assertQueue("auto", { durable: true, autoDelete: true });
    await cch.consume("auto", () => {});

    const confirmed: string[] = [];
    let nacked = 0;
    const publish = (body: string) =>
      new Promise<void>((resolve) =>
        ch.sendToQueue("q", Buffer.from(body), { persistent: true }, (err: unknown) => {
          if (err === null || err === undefined) confirmed.push(body);
          else nacked++;
          resolve();
        }),
      );
    for (let i = 0; nacked < 100; ) {
      if (i === 500 && filler === null) storageFaults.failWith("ENOSPC");
      if (i > 20_000) throw new Error("the disk never filled");
      const batch: Promise<void>[] = [];
      for (let k = 0; k < 100; k++, i++) batch.push(publish(`m${i} ${"x".repeat(1000)}`));
      await Promise.all(batch);
    }
    expect(confirmed.length).toBeGreaterThan(100);
    if (filler !== null) fillUp(`${filler}-rest`); // what the failed writes left free

    const c2 = await connect(a.url);
    const closed = new Promise<string>((resolve) => c2.once("close", (e?: Error) => resolve(String(e?.message))));
    await expect((await c2.createChannel()).assertQueue("new", { durable: true })).rejects.toThrow();
    expect(await closed).toMatch(/541 .*ENOSPC/);
    await consumer.close();
    await until(() => !a.broker.vhosts.get("/")!.queues.has("auto"));
    expect([...a.broker.vhosts.get("/")!.queues.keys()]).toEqual(["q"]);

    if (filler !== null) {
      rmSync(filler);
      rmSync(`${filler}-rest`);
    } else storageFaults.failWith(null);
    await until(() => !a.broker.store!.refusing);
    nacked = 0;
    const before = confirmed.length;
    await Promise.all(Array.from({ length: 100 }, (_, k) => publish(`after ${k}`)));
    expect([confirmed.length - before, nacked]).toEqual([100, 0]);
    await until(() => linesWith(a.log, "storage recovered (definitions)").length === 1);
    for (const kind of ["wal", "segments", "definitions"]) expect(linesWith(a.log, `storage failure (${kind})`).length).toBe(1);
    await c.close();
    await stop(a);

    const b = await start(dir, options);
    const back = new Set<string>();
    const c3 = await connect(b.url);
    const ch3 = await c3.createChannel();
    for (let m = await ch3.get("q", { noAck: true }); m !== false; m = await ch3.get("q", { noAck: true })) back.add(m.content.toString());
    expect(confirmed.filter((body) => !back.has(body))).toEqual([]);
    expect([...b.broker.vhosts.get("/")!.queues.keys()]).toEqual(["q"]);
    await c3.close();
    await stop(b);
  });
});

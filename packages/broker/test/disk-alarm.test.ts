/**
 * The disk alarm (free space under disk_free_limit blocks publishers with connection.blocked, lifted
 * when space returns) and disk flow (a publisher waits while the write-ahead log is too far behind
 * on its syncs, so memory stays bounded however slow fdatasync is). Free space and slow syncs come
 * from the storage's test hook.
 */
import { storageFaults } from "@amqp-go/storage";
import { describe, expect, it } from "vitest";
import { diskFreeLimit } from "../src/disk.js";
import { until } from "./helpers.js";
import { connect, dataDir, drain, linesWith, start } from "./storage-helpers.js";

describe("the disk alarm", () => {
  it("blocks a publishing connection with connection.blocked below disk_free_limit and unblocks it when space returns", async () => {
    const a = await start(dataDir(), { diskFreeLimit: 1_000_000 });
    const disk = a.broker.disk!;
    const publisher = await connect(a.url);
    const events: string[] = [];
    publisher.on("blocked", (reason: string) => events.push(`blocked: ${reason}`));
    publisher.on("unblocked", () => events.push("unblocked"));
    const ch = await publisher.createConfirmChannel();
    await ch.assertQueue("d", { durable: true });
    const consumer = await connect(a.url);
    const cch = await consumer.createChannel();

    storageFaults.freeBytes = 999_999;
    await until(() => disk.alarmed);
    expect(disk.free).toBe(999_999);
    ch.sendToQueue("d", Buffer.from("while low"), { persistent: true });
    await until(() => events.length === 1);
    expect(events).toEqual(["blocked: low on disk"]);
    expect(a.broker.connectionsIn("blocked")).toBe(1);
    // a connection that only consumes is not blocked
    expect((await cch.checkQueue("d")).queue).toBe("d");

    storageFaults.freeBytes = 1_000_000;
    await until(() => events.length === 2);
    expect(events[1]).toBe("unblocked");
    await ch.waitForConfirms();
    expect(await drain(a.url, "d")).toEqual(["while low"]);
    expect(linesWith(a.log, "disk alarm set").length).toBe(1);
    expect(linesWith(a.log, "disk alarm cleared").length).toBe(1);
    await publisher.close();
    await consumer.close();
  });

  it("takes its limit in octets, or as a percentage of memory (RabbitMQ's relative limit)", () => {
    expect(diskFreeLimit(50_000_000, 0, 8e9)).toBe(50_000_000);
    expect(diskFreeLimit(50_000_000, 150, 8e9)).toBe(12e9);
  });
});

describe("disk flow", () => {
  it("holds a publisher back while the log is over walPendingBytes behind a slow fdatasync; every message is confirmed", async () => {
    const mark = 1024 * 1024;
    const a = await start(dataDir(), { storage: { walPendingBytes: mark, walBatchSize: 256 * 1024 } });
    const store = a.broker.store!;
    storageFaults.syncDelayMs = 50;
    const c = await connect(a.url);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue("slow", { durable: true });
    const body = Buffer.alloc(1024, 1);
    let maxPending = 0;
    let sawFlow = false;
    const sampler = setInterval(() => {
      maxPending = Math.max(maxPending, store.flow.bytes);
      sawFlow ||= a.broker.connectionsIn("flow") > 0;
    }, 1);
    const n = 4096; // 4 MiB: four times the mark
    for (let i = 0; i < n; i++) ch.sendToQueue("slow", body, { persistent: true });
    await ch.waitForConfirms();
    clearInterval(sampler);
    expect(sawFlow).toBe(true);
    // the mark, plus what one socket read and the batch in flight bring past it
    expect(maxPending).toBeLessThan(mark + 512 * 1024);
    expect(a.broker.vhosts.get("/")!.queues.get("slow")!.messageCount).toBe(n);
    expect(store.flow.waiters).toBe(0);
    await c.close();
  });
});

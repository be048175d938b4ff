/**
 * Thousands of durable queues (issue 18): declared pipelined by a raw client, each bound, each
 * with one persistent message, they survive a restart; an empty durable queue holds no files and
 * the broker's open file descriptors stay bounded however many queues hold messages.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { MethodId } from "@amqp-go/protocol";
import { segmentFiles } from "@amqp-go/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawClient } from "./raw-client.js";
import { until } from "./helpers.js";
import { dataDir, start, stop } from "./storage-helpers.js";

/**
 * Fewer than the benchmark's 10,000 for CI's time (MANY_QUEUES=10000 runs the full count), with
 * the pool's limit lowered to match: without the pool every queue holds a descriptor.
 */
const N = Number(process.env["MANY_QUEUES"] ?? 1000);
const OPEN_SEGMENTS = 128;
const WINDOW = 500;
const names = Array.from({ length: N }, (_, i) => `mq.${i}`);

/** Counts the replies `id` received so far (frames are kept in order; `seen` remembers where it stopped). */
function counter(c: RawClient, id: number): () => number {
  let seen = 0;
  let n = 0;
  return () => {
    for (; seen < c.frames.length; seen++) {
      const f = c.frames[seen]!;
      if (f.type === "method" && f.method.id === id) n++;
    }
    return n;
  };
}

/** Sends one request per item (encoded by `encode` into the client's writer), at most WINDOW unanswered. */
async function pipeline(c: RawClient, items: readonly string[], replyId: number, encode: (name: string) => void): Promise<void> {
  const answered = counter(c, replyId);
  for (let i = 0; i < items.length; i += WINDOW) {
    for (const name of items.slice(i, i + WINDOW)) encode(name);
    c.write(c.writer.take());
    const want = Math.min(items.length, i + WINDOW);
    await c.waitFor(() => (answered() >= want ? true : undefined), 30_000, `${want} replies ${replyId}`);
  }
}

const fds = () => readdirSync("/proc/self/fd").length;
const defaultLimit = segmentFiles.limit;
beforeAll(() => {
  segmentFiles.limit = OPEN_SEGMENTS;
});
afterAll(() => {
  segmentFiles.limit = defaultLimit;
});

describe("thousands of durable queues", () => {
  it(`${N} durable queues, bound and with one persistent message each, survive a restart; descriptors stay bounded`, async () => {
    const dir = dataDir();
    const fdsBefore = fds();
    const a = await start(dir, { storage: { checkpointInterval: 1000 } });
    const port = Number(new URL(a.url).port);
    const c = await RawClient.open(port);
    await c.openChannel(1);
    await pipeline(c, names, MethodId.QueueBindOk, (queue) => {
      c.writer.method(1, { id: MethodId.QueueDeclare, queue, passive: false, durable: true, exclusive: false, autoDelete: false, noWait: false });
      c.writer.method(1, { id: MethodId.QueueBind, queue, exchange: "amq.direct", routingKey: queue, noWait: false });
    });
    // an empty durable queue has no directory: nothing on disk but its line in the definitions
    expect(readdirSync(join(dir, "queues")).length).toBe(0);
    c.writer.method(1, { id: MethodId.ConfirmSelect, noWait: false });
    c.write(c.writer.take());
    const selected = counter(c, MethodId.ConfirmSelectOk);
    await c.waitFor(() => (selected() === 1 ? true : undefined), 5000, "confirm.select-ok");
    // publisher confirms: the last ack (multiple) covers every message
    for (const queue of names) c.writer.content(1, { id: MethodId.BasicPublish, exchange: "amq.direct", routingKey: queue, mandatory: false, immediate: false }, { deliveryMode: 2 }, Buffer.from(queue));
    c.write(c.writer.take());
    await c.waitFor(() => (c.frames.some((f) => f.type === "method" && f.method.id === MethodId.BasicAck && Number(f.method.deliveryTag) === N) ? true : undefined), 60_000, "confirms");
    const v = a.broker.vhosts.get("/")!;
    expect(names.filter((q) => v.queues.get(q)?.messageCount !== 1)).toEqual([]);
    // open segment files are pooled: not one descriptor per queue (those used in the last second stay open)
    await until(() => segmentFiles.size <= OPEN_SEGMENTS, 5000);
    // the pool closes the files it lets go of asynchronously (fs.close): the count follows shortly
    await until(() => fds() - fdsBefore < OPEN_SEGMENTS + 200, 2000).catch(() => undefined);
    expect(fds() - fdsBefore).toBeLessThan(OPEN_SEGMENTS + 200);
    c.destroy();
    await stop(a);

    const b = await start(dir, { storage: { checkpointInterval: 1000 } });
    await b.broker.ready;
    const w = b.broker.vhosts.get("/")!;
    expect(w.queues.size).toBe(N);
    expect(names.filter((q) => w.queues.get(q)?.messageCount !== 1)).toEqual([]);
    expect(w.exchanges.get("amq.direct")!.bindingCount).toBe(N);
    await until(() => segmentFiles.size <= OPEN_SEGMENTS, 5000);
    expect(fds() - fdsBefore).toBeLessThan(OPEN_SEGMENTS + 200);
    await stop(b);
  }, 60_000 + N * 20);
});

/** consumer_timeout: a delivery left unacknowledged too long closes its channel with 406, as RabbitMQ. */
import { describe, expect, it } from "vitest";
import { channel, sleep, until, useBroker, withConnection } from "./helpers.js";

const TIMEOUT = 200;
const t = useBroker({ consumerTimeout: TIMEOUT });
const text = (n: number) =>
  `PRECONDITION_FAILED - delivery acknowledgement on channel ${n} timed out. Timeout value used: ${TIMEOUT} ms. This timeout value can be configured, see consumers doc guide to learn more`;

type Closed = { code: number; message: string; classId?: number; methodId?: number };

describe("consumer_timeout", () => {
  it("closes the channel of a delivery not acked in time (class/method 0/0) and requeues it", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await c.createChannel();
      let closed: Closed | null = null;
      ch.on("error", (e: Closed) => (closed = e));
      const { queue } = await ch.assertQueue("", { exclusive: true });
      const got: string[] = [];
      await ch.consume(queue, (m) => m && got.push(m.content.toString()));
      ch.sendToQueue(queue, Buffer.from("slow"));
      const started = Date.now();
      await until(() => closed !== null, 3000);
      const waited = Date.now() - started;
      expect(got).toEqual(["slow"]);
      expect(closed!.code).toBe(406);
      expect(closed!.message).toContain(text(1));
      expect([closed!.classId, closed!.methodId]).toEqual([0, 0]);
      // checked on a timer: not before the timeout; within it plus two ticks of a quarter each (and a loaded machine's slack)
      expect(waited).toBeGreaterThanOrEqual(TIMEOUT - 5);
      expect(waited).toBeLessThan(TIMEOUT * 5);
      const other = await channel(c);
      const again = await other.get(queue, { noAck: true });
      expect(again && [again.content.toString(), again.fields.redelivered]).toEqual(["slow", true]);
    });
  });

  it("counts basic.get deliveries too, on the channel's own number", async () => {
    await withConnection(t.url, async (c) => {
      await c.createChannel(); // channel 1, unused
      const ch = await c.createChannel();
      let closed: Closed | null = null;
      ch.on("error", (e: Closed) => (closed = e));
      const { queue } = await ch.assertQueue("", { exclusive: true });
      ch.sendToQueue(queue, Buffer.from("got"));
      expect(await ch.get(queue)).not.toBe(false);
      await until(() => closed !== null, 3000);
      expect(closed!.message).toContain(text(2));
    });
  });

  it("leaves alone a channel whose deliveries are acked in time, and no-ack consumers", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("", { exclusive: true });
      const { queue: q2 } = await ch.assertQueue("", { exclusive: true });
      let acked = 0;
      let noAck = 0;
      await ch.consume(queue, (m) => {
        if (m === null) return;
        setTimeout(() => {
          ch.ack(m);
          acked++;
        }, TIMEOUT / 4);
      });
      await ch.consume(q2, () => noAck++, { noAck: true });
      for (let i = 0; i < 8; i++) {
        ch.sendToQueue(queue, Buffer.from(String(i)));
        ch.sendToQueue(q2, Buffer.from(String(i)));
        await sleep(TIMEOUT / 4);
      }
      await until(() => acked === 8 && noAck === 8, 3000);
      // two full timeouts with nothing outstanding: the channel stays open
      await sleep(TIMEOUT * 2);
      expect(ch.closedWith).toBeUndefined();
      expect((await ch.checkQueue(queue)).messageCount).toBe(0);
    });
  });
});

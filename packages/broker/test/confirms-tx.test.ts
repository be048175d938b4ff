import { MethodId } from "@amqp-go/protocol";
import amqp, { type ConsumeMessage } from "amqplib";
import { describe, expect, it } from "vitest";
import { channel, rejectsWith, useBroker, withConnection } from "./helpers.js";

const t = useBroker();

describe("publisher confirms", () => {
  it("every publish is confirmed, routed or not, many at once with multiple", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await c.createConfirmChannel();
      const { queue } = await ch.assertQueue("confirmed", { exclusive: true });
      const acks: { tag: number; multiple: boolean }[] = [];
      // Listen to the raw acks: amqplib resolves each publish's callback from them.
      (ch as unknown as { on(e: "ack", f: (m: { deliveryTag: number; multiple: boolean }) => void): void }).on("ack", (m) =>
        acks.push({ tag: m.deliveryTag, multiple: m.multiple }),
      );
      const done: Promise<void>[] = [];
      for (let i = 0; i < 500; i++) {
        done.push(new Promise((resolve, reject) => ch.sendToQueue(i % 2 ? queue : "no-such-queue", Buffer.from(String(i)), {}, (err) => (err ? reject(err) : resolve()))));
      }
      await Promise.all(done);
      await ch.waitForConfirms();
      expect(acks.at(-1)?.tag).toBe(500);
      expect(acks.length).toBeLessThan(500);
      expect(acks.some((a) => a.multiple)).toBe(true);
      expect((await ch.checkQueue(queue)).messageCount).toBe(250);
    });
  });

  it("a mandatory unroutable publish is returned before it is confirmed", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await c.createConfirmChannel();
      const order: string[] = [];
      ch.on("return", () => order.push("return"));
      await new Promise<void>((resolve) => ch.publish("amq.direct", "nobody", Buffer.from("x"), { mandatory: true }, () => {
        order.push("ack");
        resolve();
      }));
      expect(order).toEqual(["return", "ack"]);
    });
  });

  it("confirm.select on a tx channel and tx.select on a confirm channel are refused with 406", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const raw = ch as unknown as { rpc(method: number, fields: object, expect: number): Promise<unknown> };
      await raw.rpc(MethodId.TxSelect, {}, MethodId.TxSelectOk);
      await rejectsWith(raw.rpc(MethodId.ConfirmSelect, { nowait: false }, MethodId.ConfirmSelectOk), 406);
      const confirm = await c.createConfirmChannel();
      await rejectsWith((confirm as unknown as typeof raw).rpc(MethodId.TxSelect, {}, MethodId.TxSelectOk), 406);
    });
  });
});

describe("transactions", () => {
  type TxChannel = { rpc(method: number, fields: object, expect: number): Promise<unknown> };
  const tx = (ch: unknown, method: "TxSelect" | "TxCommit" | "TxRollback") =>
    (ch as TxChannel).rpc(MethodId[method], {}, MethodId[`${method}Ok`]);

  it("publishes take effect on commit, vanish on rollback", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("tx-pub", { exclusive: true });
      await tx(ch, "TxSelect");
      ch.sendToQueue(queue, Buffer.from("rolled-back"));
      await tx(ch, "TxRollback");
      ch.sendToQueue(queue, Buffer.from("committed"));
      // declare-ok is answered after the publish before it was handled (held for the commit)
      expect((await ch.checkQueue(queue)).messageCount).toBe(0);
      await tx(ch, "TxCommit");
      expect((await ch.checkQueue(queue)).messageCount).toBe(1);
      const m = await ch.get(queue, { noAck: true });
      expect(m && m.content.toString()).toBe("committed");
    });
  });

  it("acks take effect on commit; rolled-back acks leave messages unacknowledged", async () => {
    await withConnection(t.url, async (c) => {
      const ch = await channel(c);
      const { queue } = await ch.assertQueue("tx-ack", { exclusive: true });
      ch.sendToQueue(queue, Buffer.from("1"));
      ch.sendToQueue(queue, Buffer.from("2"));
      await tx(ch, "TxSelect"); // handled after the publishes
      const got: ConsumeMessage[] = [];
      await ch.consume(queue, (m) => m && got.push(m));
      await ch.checkQueue(queue); // consume-ok precedes the deliveries; this answer follows them
      expect(got.length).toBe(2);
      ch.ack(got[0]!);
      await tx(ch, "TxRollback");
      ch.ack(got[1]!);
      await tx(ch, "TxCommit");
      await ch.close();
      const check = await channel(c);
      const left = await check.get(queue, { noAck: true });
      expect(left && left.content.toString()).toBe("1");
      expect(await check.get(queue)).toBe(false);
    });
  });

  it("commit and rollback without tx.select are 406", async () => {
    await withConnection(t.url, async (c) => {
      await rejectsWith(tx(await channel(c), "TxCommit"), 406);
      await rejectsWith(tx(await channel(c), "TxRollback"), 406);
    });
  });
});

describe("a fresh connection works after errors", () => {
  it("opens and publishes after channel and connection errors", async () => {
    await withConnection(t.url, async (c) => {
      await rejectsWith((await channel(c)).checkQueue("nope"), 404);
      await rejectsWith((await channel(c)).checkExchange("nope"), 404);
    });
    const c = await amqp.connect(t.url);
    const ch = await c.createChannel();
    const { queue } = await ch.assertQueue("", { exclusive: true });
    ch.sendToQueue(queue, Buffer.from("ok"));
    expect((await ch.checkQueue(queue)).messageCount).toBe(1); // answered after the publish
    await c.close();
  });
});

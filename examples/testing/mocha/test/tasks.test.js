import assert from "node:assert/strict";
import amqp from "amqplib";

async function publish(queue, bodies) {
  const conn = await amqp.connect(globalThis.broker.url, { noDelay: true });
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue);
  for (const b of bodies) ch.sendToQueue(queue, Buffer.from(b));
  await ch.waitForConfirms();
  await conn.close();
}

describe("tasks", () => {
  it("queues what it is given", async () => {
    await publish("tasks", ["a", "b", "c"]);
    const [q] = await globalThis.broker.queues();
    assert.equal(q.name, "tasks");
    assert.equal(q.messages, 3);
  });

  it("starts from an empty broker after reset()", async () => {
    assert.deepEqual(await globalThis.broker.queues(), []);
    await publish("tasks", ["d"]);
    const taken = await globalThis.broker.take("tasks");
    assert.deepEqual(taken.map((m) => m.body.toString()), ["d"]);
  });
});

// 200 tests on one broker, each in a vhost of its own: the same queue name in every test, no crosstalk.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import amqp from "amqplib";
import { startBroker } from "@amqp-go/testing";

let broker;
let started;
before(async () => {
  started = performance.now();
  broker = await startBroker();
});
after(async () => {
  await broker.stop();
  console.log(`# 200 tests with a vhost each: ${((performance.now() - started) / 1000).toFixed(2)} s, broker start and stop included`);
});

for (let i = 0; i < 200; i++) {
  test(`test ${i}: its own vhost`, async () => {
    const vhost = await broker.createVhost();
    const conn = await amqp.connect(vhost.url, { noDelay: true });
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue("work");
    for (let j = 0; j < 10; j++) ch.sendToQueue("work", Buffer.from(`${i}:${j}`));
    await ch.waitForConfirms();
    await conn.close();
    const taken = await broker.take("work", { vhost: vhost.name });
    assert.deepEqual(taken.map((m) => m.body.toString()), Array.from({ length: 10 }, (_, j) => `${i}:${j}`));
    await vhost.delete();
  });
}

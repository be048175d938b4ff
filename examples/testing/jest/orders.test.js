// Jest's defaults: CommonJS, babel-jest. require() gets the broker in a worker thread.
const amqp = require("amqplib");
const { startBroker } = require("@amqp-go/testing");

let broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(() => broker.stop());

test("a published message can be taken back, body and properties", async () => {
  const vhost = await broker.createVhost();
  const conn = await amqp.connect(vhost.url, { noDelay: true });
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue("emails");
  ch.sendToQueue("emails", Buffer.from("hello"), { correlationId: "c-1", headers: { template: "welcome" } });
  await ch.waitForConfirms();
  await conn.close();

  await broker.waitForQueue("emails", { vhost: vhost.name });
  const [m] = await broker.take("emails", { vhost: vhost.name });
  expect(Buffer.isBuffer(m.body)).toBe(true);
  expect(m.body.toString()).toBe("hello");
  expect(m.properties.correlationId).toBe("c-1");
  expect(m.properties.headers).toEqual({ template: "welcome" });
  await vhost.delete();
});

test("a consumer gets what is published, with RabbitMQ's semantics (nack and requeue)", async () => {
  const conn = await amqp.connect(broker.url, { noDelay: true });
  const ch = await conn.createChannel();
  const { queue } = await ch.assertQueue("", { exclusive: true });
  ch.sendToQueue(queue, Buffer.from("once"));
  const seen = [];
  await new Promise((resolve) => {
    ch.consume(queue, (m) => {
      seen.push(m.fields.redelivered);
      if (!m.fields.redelivered) ch.nack(m, false, true);
      else {
        ch.ack(m);
        resolve();
      }
    });
  });
  expect(seen).toEqual([false, true]);
  await conn.close();
});

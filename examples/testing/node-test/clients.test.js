// The same broker from the other Node clients: rabbitmq-client and @cloudamqp/amqp-client.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AMQPClient } from "@cloudamqp/amqp-client";
import { Connection } from "rabbitmq-client";
import { startBroker } from "@amqp-go/testing";

let broker;
before(async () => (broker = await startBroker()));
after(() => broker.stop());

test("rabbitmq-client: a confirmed publisher", async () => {
  const vhost = await broker.createVhost();
  const rabbit = new Connection(vhost.url);
  const pub = rabbit.createPublisher({ confirm: true, queues: [{ queue: "invoices" }] });
  await pub.send("invoices", { id: 7 });
  await pub.close();
  await rabbit.close();
  const [m] = await broker.take("invoices", { vhost: vhost.name });
  assert.deepEqual(JSON.parse(m.body.toString()), { id: 7 });
  assert.equal(m.properties.contentType, "application/json");
  await vhost.delete();
});

test("@cloudamqp/amqp-client: declare and publish", async () => {
  const vhost = await broker.createVhost();
  const conn = await new AMQPClient(vhost.url).connect();
  const ch = await conn.channel();
  await ch.queueDeclare("events");
  await ch.basicPublish("", "events", "signed-up", { contentType: "text/plain" });
  await conn.close();
  await broker.waitForQueue("events", { vhost: vhost.name });
  const [m] = await broker.take("events", { vhost: vhost.name });
  assert.equal(m.body.toString(), "signed-up");
  await vhost.delete();
});

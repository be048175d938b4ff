import amqp from "amqplib";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { startBroker } from "@amqp-go/testing";

// Code under test: publishes an order as JSON for the warehouse.
async function placeOrder(url, order) {
  const conn = await amqp.connect(url, { noDelay: true });
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue("warehouse");
  ch.sendToQueue("warehouse", Buffer.from(JSON.stringify(order)), { contentType: "application/json", persistent: true });
  await ch.waitForConfirms();
  await conn.close();
}

test("the global broker is reachable (global setup)", async () => {
  const conn = await amqp.connect(inject("amqpUrl"), { noDelay: true });
  expect(conn.connection.serverProperties.product).toMatch(/amqp-go/);
  await conn.close();
});

// A broker of this file's own, with helpers to look inside it.
let broker;
beforeAll(async () => (broker = await startBroker()));
afterAll(() => broker.stop());

test("an order reaches the warehouse queue", async () => {
  const vhost = await broker.createVhost();
  await placeOrder(vhost.url, { sku: "42", qty: 2 });
  await broker.waitForQueue("warehouse", { vhost: vhost.name });
  const [m] = await broker.take("warehouse", { vhost: vhost.name });
  expect(JSON.parse(m.body.toString())).toEqual({ sku: "42", qty: 2 });
  expect(m.properties).toMatchObject({ contentType: "application/json", deliveryMode: 2 });
  await vhost.delete();
});

test("each test's vhost starts empty", async () => {
  const vhost = await broker.createVhost();
  const conn = await amqp.connect(vhost.url, { noDelay: true });
  const ch = await conn.createChannel();
  const q = await ch.assertQueue("warehouse");
  expect(q.messageCount).toBe(0);
  await conn.close();
  await vhost.delete();
});

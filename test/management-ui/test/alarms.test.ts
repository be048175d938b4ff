/**
 * A resource alarm as the UI shows it: with a small memory watermark, a publisher that crosses it
 * is blocked; the overview says so and the connections list shows the connection `blocked`; a
 * purge from the queue's page clears the alarm and both return to normal.
 */
import amqp from "amqplib";
import { afterAll, beforeAll, expect, test } from "vitest";
import { fastRefresh, logIn, startUi, type UiHarness } from "./harness.js";

let ui: UiHarness;
beforeAll(async () => {
  // credit flow for a queue without consumers starts at a quarter of the watermark by default: set
  // it above the watermark, so that the publisher meets the alarm rather than flow
  ui = await startUi({ memoryHighWatermark: 64 * 1024, idleQueueFlowBytes: 1024 * 1024 });
});
afterAll(async () => {
  await ui?.close();
});

test("a memory alarm shows on the overview and as a blocked connection, and clears after a purge", async () => {
  const c = await amqp.connect(ui.amqpUrl, { clientProperties: { connection_name: "ui-publisher" } });
  const ch = await c.createChannel();
  await ch.assertQueue("ui-heavy", { durable: false });
  for (let i = 0; i < 20; i++) ch.sendToQueue("ui-heavy", Buffer.alloc(8 * 1024, 1));
  await expect.poll(() => ui.broker.memory.alarmed, { timeout: 10_000 }).toBe(true);
  ch.sendToQueue("ui-heavy", Buffer.alloc(8 * 1024, 1)); // a publish after the alarm: the connection is blocked
  const errors: string[] = [];
  const { context, page: p } = await ui.newPage();
  p.on("pageerror", (e) => errors.push(e.message));
  await fastRefresh(p);
  await logIn(p, ui.base);
  await p.getByRole("alert").filter({ hasText: "Resource alarm in effect (memory)" }).waitFor();

  await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
  const row = p.getByRole("row").filter({ hasText: "ui-publisher" });
  await expect.poll(() => row.locator('td[data-label="State"]').textContent()).toBe("blocked");

  await p.goto(`${ui.base}#/queues/%2F/ui-heavy`);
  await p.getByRole("button", { name: "Purge messages" }).click();
  await p.getByText("Queue purged.").waitFor();
  expect(ui.broker.memory.alarmed).toBe(false);
  await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" }).click();
  await p.getByText("No alarms: publishers are not blocked.").waitFor();
  await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
  await expect.poll(() => row.locator('td[data-label="State"]').textContent(), { timeout: 10_000 }).toBe("running");
  expect(errors).toEqual([]);
  await context.close();
  await c.close();
});

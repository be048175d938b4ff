/**
 * Exchanges, connections and channels pages in a real browser: declare an exchange, bind and
 * publish from its page; a client's connection and channel listed; closing a connection from the
 * UI closes it for the client, with the reason typed.
 */
import amqp from "amqplib";
import { afterAll, beforeAll, expect, test } from "vitest";
import { fastRefresh, logIn, startUi, type UiHarness } from "./harness.js";

let ui: UiHarness;
const errors: string[] = [];

beforeAll(async () => {
  ui = await startUi();
});
afterAll(async () => {
  await ui?.close();
});

async function page() {
  const p = await ui.newPage();
  p.page.on("pageerror", (e) => errors.push(e.message));
  await fastRefresh(p.page);
  return p;
}

test("an exchange declared from the list, bound and published to from its page", async () => {
  const c = await amqp.connect(ui.amqpUrl);
  const ch = await c.createChannel();
  await ch.assertQueue("ui-sink", { durable: false });
  const { context, page: p } = await page();
  await logIn(p, ui.base);
  await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Exchanges" }).click();
  await p.getByRole("link", { name: "amq.topic", exact: true }).waitFor();
  await p.getByText("Add a new exchange").click();
  await p.getByLabel("Name").fill("ui-events");
  await p.getByLabel("Type").selectOption("topic");
  await p.getByRole("button", { name: "Add exchange" }).click();
  await p.getByText("Exchange ui-events declared.").waitFor();
  await p.getByRole("link", { name: "ui-events", exact: true }).click();
  await p.getByRole("heading", { name: "Exchange ui-events" }).waitFor();

  const bind = p.getByRole("form", { name: "Add binding" });
  await bind.getByLabel("To").fill("ui-sink");
  await bind.getByLabel("Routing key").fill("order.*");
  await bind.getByRole("button", { name: "Bind" }).click();
  await p.getByText("Binding added.").waitFor();
  await p.getByRole("link", { name: "ui-sink", exact: true }).waitFor();

  const publish = p.getByRole("form", { name: "Publish message" });
  await publish.getByLabel("Routing key").fill("order.created");
  await publish.getByLabel("Payload").fill("from the exchange page");
  await publish.getByRole("button", { name: "Publish message" }).click();
  await p.getByText("Message published.").waitFor();
  const m = await ch.get("ui-sink", { noAck: true });
  expect(m && m.content.toString()).toBe("from the exchange page");
  expect(m && m.fields.exchange).toBe("ui-events");

  await publish.getByLabel("Routing key").fill("nothing.here.at.all");
  await publish.getByRole("button", { name: "Publish message" }).click();
  await p.getByText("Message published, but not routed to any queue.").waitFor();
  await c.close();
  expect(errors).toEqual([]);
  await context.close();
});

test("connections and channels are listed; a connection closed from the UI closes for its client", async () => {
  const c = await amqp.connect(ui.amqpUrl, { clientProperties: { connection_name: "ui-worker <1>" } });
  const ch = await c.createConfirmChannel();
  await ch.prefetch(7);
  await ch.assertQueue("ui-work", { durable: false });
  await ch.consume("ui-work", () => {}, { consumerTag: "ui-tag-1" });
  c.on("error", () => {}); // the forced close is reported on "close" too
  const closed = new Promise<Error>((resolve) => c.on("close", resolve));
  const { context, page: p } = await page();
  await logIn(p, ui.base);
  await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Channels" }).click();
  const chRow = p.getByRole("row").filter({ hasText: "(1)" });
  await expect.poll(() => chRow.locator('td[data-label="Prefetch"]').textContent()).toBe("7");
  expect(await chRow.locator('td[data-label="Mode"]').textContent()).toBe("C");
  await chRow.getByRole("link").click();
  await p.getByRole("heading", { name: /^Channel / }).waitFor();
  await p.getByRole("cell", { name: "ui-tag-1" }).waitFor();
  await p.getByRole("link", { name: "ui-work" }).waitFor();

  await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
  await p.getByText("ui-worker <1>").waitFor();
  const row = p.getByRole("row").filter({ hasText: "ui-worker <1>" });
  expect(await row.locator('td[data-label="State"]').textContent()).toBe("running");
  await row.getByRole("link").click();
  await p.getByRole("rowheader", { name: "Heartbeat" }).waitFor();
  await p.getByRole("cell", { name: "ui-worker <1>" }).first().waitFor();
  await p.getByLabel("Reason").fill("maintenance from the UI");
  await p.getByRole("button", { name: "Force close" }).click();
  const err = await closed;
  expect(err.message).toContain("maintenance from the UI");
  await p.getByRole("heading", { name: "Connections" }).waitFor();
  await expect.poll(() => ui.broker.connections.size).toBe(0);
  expect(errors).toEqual([]);
  await context.close();
});

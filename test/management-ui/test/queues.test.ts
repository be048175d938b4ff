/**
 * The UI in a real browser: logging in, the overview, a queue filling while a publisher runs, and a
 * queue page's actions (publish, get, purge, delete), checked over AMQP and the API where it matters.
 */
import amqp from "amqplib";
import { afterAll, beforeAll, expect, test } from "vitest";
import { chartPoints, fastRefresh, logIn, numberIn, screenshot, startUi, type UiHarness } from "./harness.js";

let ui: UiHarness;
let conn: amqp.ChannelModel;
let ch: amqp.Channel;
const errors: string[] = [];

beforeAll(async () => {
  ui = await startUi();
  conn = await amqp.connect(ui.amqpUrl);
  ch = await conn.createChannel();
});
afterAll(async () => {
  await conn?.close().catch(() => undefined);
  await ui?.close();
});

async function page(width?: number) {
  const p = await ui.newPage(width);
  p.page.on("pageerror", (e) => errors.push(e.message));
  await fastRefresh(p.page);
  return p;
}

test("a wrong password is refused on the form; the right one opens the overview", async () => {
  const { context, page: p } = await page();
  await p.goto(ui.base);
  await p.getByLabel("Username").fill("guest");
  await p.getByLabel("Password").fill("wrong");
  await p.getByRole("button", { name: "Log in" }).click();
  await p.getByText("Login failed").waitFor();
  await p.getByLabel("Password").fill("guest");
  await p.getByRole("button", { name: "Log in" }).click();
  await p.getByRole("heading", { name: "Overview" }).waitFor();
  // a reload keeps the login (sessionStorage) and the page
  await p.reload();
  await p.getByRole("heading", { name: "Overview" }).waitFor();
  await p.getByRole("button", { name: "Log out" }).click();
  await p.getByRole("button", { name: "Log in" }).waitFor();
  expect(errors).toEqual([]);
  await context.close();
});

test("a queue declared from the list fills while a publisher runs; the overview counts it", async () => {
  const { context, page: p } = await page();
  await logIn(p, ui.base);
  await p.getByRole("navigation").getByRole("link", { name: "Queues" }).click();
  await p.getByText("Add a new queue").click();
  await p.getByLabel("Name").fill("ui-orders");
  await p.getByLabel("Arguments (JSON)").fill('{"x-max-length": 1000000, "x-message-ttl": 600000}');
  await p.getByRole("button", { name: "Add queue" }).click();
  await p.getByText("Queue ui-orders declared.").waitFor();
  const row = p.getByRole("row").filter({ has: p.getByRole("link", { name: "ui-orders", exact: true }) });
  await row.waitFor();
  await expect.poll(() => row.getByTitle("length limit").count()).toBe(1);
  await expect.poll(() => row.getByTitle("message TTL").count()).toBe(1);
  for (const n of ["ui-other-1", "ui-other-2"]) await ch.assertQueue(n, { durable: false });

  const consumerCh = await conn.createChannel();
  await consumerCh.prefetch(50);
  await consumerCh.consume("ui-other-1", () => {}); // holds 50 unacked once messages come
  const publisher = setInterval(() => {
    for (let i = 0; i < 40; i++) ch.sendToQueue("ui-orders", Buffer.from(`order ${i}`));
    for (let i = 0; i < 5; i++) ch.sendToQueue("ui-other-1", Buffer.from("x"));
  }, 20);
  try {
    const ready = 'tr:has(a:text-is("ui-orders")) td[data-label="Ready"]';
    await expect.poll(() => numberIn(p, ready), { timeout: 15_000 }).toBeGreaterThan(0);
    const first = await numberIn(p, ready);
    await expect.poll(() => numberIn(p, ready), { timeout: 15_000 }).toBeGreaterThan(first);
    // the rate column shows the publisher once the sampler has two samples
    await expect.poll(() => numberIn(p, 'tr:has(a:text-is("ui-orders")) td[data-label="Incoming"]'), { timeout: 15_000 }).toBeGreaterThan(0);
    await screenshot(p, "queues");

    // sorted by Ready, descending: ui-orders first
    await p.getByRole("button", { name: /^Ready/ }).click();
    await p.getByRole("button", { name: /^Ready/ }).click();
    await expect.poll(() => p.locator("tbody tr").first().locator('td[data-label="Name"]').textContent()).toBe("ui-orders");
    // the filter asks the API for matching names only
    await p.getByLabel("Filter").fill("other");
    await expect.poll(() => p.locator("tbody tr").count()).toBe(2);
    await p.getByText("2 of 3 queues").waitFor();

    await p.getByRole("navigation").getByRole("link", { name: "Overview" }).click();
    await expect.poll(() => numberIn(p, '.tile:has-text("Queues") .tile-value')).toBe(3);
    await expect.poll(() => numberIn(p, '.tile:has-text("Ready") .tile-value'), { timeout: 15_000 }).toBeGreaterThan(first);
    await expect.poll(() => numberIn(p, '.tile:has-text("Consumers") .tile-value')).toBe(1);
    await p.locator(".chart canvas").first().waitFor();
    await expect.poll(() => p.locator(".tile:has-text('Connections') .tile-value").textContent()).toBe("1");
    await p.locator('.chart[data-points="2"]').first().waitFor();
    await chartPoints(p, 5); // a few more for the picture
    await screenshot(p, "overview");

    // the queue's own page, under the same load
    await p.getByRole("navigation").getByRole("link", { name: "Queues" }).click();
    await p.getByRole("link", { name: "ui-orders", exact: true }).click();
    await p.getByRole("heading", { name: "Queue ui-orders" }).waitFor();
    await p.getByRole("rowheader", { name: "x-max-length", exact: true }).waitFor();
    await p.locator('.chart[data-points="1"]').first().waitFor();
    await chartPoints(p, 6);
    await screenshot(p, "queue");
  } finally {
    clearInterval(publisher);
    await consumerCh.close();
  }
  expect(errors).toEqual([]);
  await context.close();
});

test("a queue page publishes, gets (as text, never as markup), purges and deletes", async () => {
  await ch.assertQueue("ui-page <b>q</b>", { durable: false });
  await ch.bindQueue("ui-page <b>q</b>", "amq.direct", "rk-page");
  const { context, page: p } = await page();
  await logIn(p, ui.base);
  await p.goto(`${ui.base}#/queues/%2F/${encodeURIComponent("ui-page <b>q</b>")}`);
  await p.getByRole("heading", { name: "Queue ui-page <b>q</b>" }).waitFor();
  expect(await p.locator("h1 b").count()).toBe(0);
  await p.getByRole("cell", { name: "amq.direct", exact: true }).waitFor();

  const form = p.getByRole("form", { name: "Publish message" });
  await form.getByLabel("Headers (JSON)").fill('{"x-trace": "<script>alert(1)</script>"}');
  await form.getByLabel("Payload").fill('<img src=x onerror="window.pwned=1"> hello');
  await form.getByRole("button", { name: "Publish message" }).click();
  await p.getByText("Message published.").waitFor();
  await form.getByRole("button", { name: "Publish message" }).click();
  await expect.poll(() => numberIn(p, '[data-testid="total"]')).toBe(2);
  expect((await ch.checkQueue("ui-page <b>q</b>")).messageCount).toBe(2);

  const getter = p.getByRole("form", { name: "Get messages" });
  await getter.getByRole("button", { name: "Get message(s)" }).click();
  const msg = p.getByRole("article", { name: "Message 1" });
  await msg.locator("pre.payload").waitFor();
  expect(await msg.locator("pre.payload").textContent()).toBe('<img src=x onerror="window.pwned=1"> hello');
  await msg.getByRole("cell", { name: "<script>alert(1)</script>" }).waitFor();
  expect(await p.locator(".messages img, .messages script").count()).toBe(0);
  expect(await p.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  // nack requeue: still two messages
  expect((await ch.checkQueue("ui-page <b>q</b>")).messageCount).toBe(2);

  await p.getByRole("button", { name: "Purge messages" }).click();
  await p.getByText("Queue purged.").waitFor();
  await expect.poll(() => numberIn(p, '[data-testid="total"]')).toBe(0);
  expect((await ch.checkQueue("ui-page <b>q</b>")).messageCount).toBe(0);

  await p.getByRole("button", { name: "Delete queue" }).click();
  await p.getByRole("heading", { name: "Queues" }).waitFor();
  await expect.poll(() => ui.broker.vhosts.get("/")!.queues.has("ui-page <b>q</b>")).toBe(false);
  expect(errors).toEqual([]);
  await context.close();
});

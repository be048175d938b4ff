/**
 * Phone width and keyboard: at 390 px no page scrolls sideways (wide tables scroll in their own
 * box), every form control has a label, and the login form works from the keyboard alone.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { logIn, screenshot, startUi, type UiHarness } from "./harness.js";

let ui: UiHarness;
beforeAll(async () => {
  ui = await startUi();
});
afterAll(async () => {
  await ui?.close();
});

test("at a phone's width, logged in from the keyboard, each page fits and labels every control", async () => {
  const { context, page: p } = await ui.newPage(390);
  await p.goto(ui.base);
  await p.getByLabel("Username").waitFor();
  await p.keyboard.type("guest");
  await p.keyboard.press("Tab");
  await p.keyboard.type("guest");
  await p.keyboard.press("Enter");
  await p.getByRole("heading", { name: "Overview" }).waitFor();
  await p.locator(".chart canvas").first().waitFor();
  for (const [hash, heading] of [
    ["#/", "Overview"],
    ["#/queues", "Queues"],
    ["#/exchanges", "Exchanges"],
    ["#/connections", "Connections"],
    ["#/admin/users", "Users"],
    ["#/admin/policies", "Policies"],
    ["#/queues/%2F/ui-none", null],
  ] as const) {
    await p.goto(`${ui.base}${hash}`);
    if (heading !== null) await p.getByRole("heading", { name: heading, exact: true }).waitFor();
    else await p.getByRole("alert").filter({ hasText: "404" }).waitFor();
    expect(await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), hash).toBeLessThanOrEqual(0);
    const unlabelled = await p.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea")].filter((el) => (el as HTMLInputElement).labels?.length === 0).map((el) => el.outerHTML),
    );
    expect(unlabelled, hash).toEqual([]);
  }
  await p.goto(`${ui.base}#/queues`);
  await p.getByRole("heading", { name: "Queues", exact: true }).waitFor();
  await screenshot(p, "phone-queues");
  await context.close();
});

test("the overview, logged in and refreshed once, transfers under 300 KB (its assets gzipped, no CDN)", async () => {
  const { context, page: p } = await ui.newPage();
  const hosts = new Set<string>();
  let bytes = 0;
  let assets = 0;
  p.on("requestfinished", async (req) => {
    hosts.add(new URL(req.url()).host);
    const sizes = await req.sizes();
    bytes += sizes.responseHeadersSize + sizes.responseBodySize + sizes.requestHeadersSize + sizes.requestBodySize;
    if (req.url().includes("/assets/")) assets++;
  });
  await logIn(p, ui.base);
  const updated = await p.locator("footer .updated").textContent();
  await p.getByRole("combobox", { name: "Refresh" }).selectOption("1");
  await p.locator("footer .updated").filter({ hasNotText: updated ?? "" }).waitFor();
  await p.locator(".chart canvas").first().waitFor();
  expect(assets).toBe(2);
  expect([...hosts]).toEqual([new URL(ui.base).host]);
  console.log(`overview page weight: ${(bytes / 1024).toFixed(1)} KB transferred (${assets} assets and the API answers)`);
  expect(bytes).toBeGreaterThan(10_000);
  expect(bytes).toBeLessThan(300 * 1024);
  await context.close();
});

/**
 * Phone width and keyboard: at 390 px no page scrolls sideways (wide tables scroll in their own
 * box), every form control has a label, and the login form works from the keyboard alone.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { screenshot, startUi, type UiHarness } from "./harness.js";

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

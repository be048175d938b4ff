/**
 * The admin pages and the permission cases in a real browser: a user and a policy created from the
 * UI are in force, definitions export as a download, and a `monitoring` user sees no admin pages
 * and cannot delete what its permissions do not allow.
 */
import { readFileSync } from "node:fs";
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

const api = async (path: string) => (await fetch(`${ui.base}api/${path}`, { headers: { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}` } })).json();

test("an administrator creates a user with permissions and a policy, and exports the definitions", async () => {
  const { context, page: p } = await page();
  await logIn(p, ui.base);
  await p.getByRole("link", { name: "Admin" }).click();
  await p.getByRole("heading", { name: "Users" }).waitFor();
  await p.getByText("Add or update a user").click();
  const userForm = p.getByRole("form", { name: "Add or update user" });
  await userForm.getByLabel("Username").fill("ui-alice");
  await userForm.getByLabel("Password").fill("s3cret");
  await userForm.getByLabel("Tags (comma-separated)").fill("management");
  await userForm.getByRole("button", { name: "Add / update user" }).click();
  await p.getByText("User ui-alice saved.").waitFor();
  await p.getByRole("cell", { name: "ui-alice", exact: true }).waitFor();

  await p.getByText("Set a permission").click();
  const permForm = p.getByRole("form", { name: "Set permission" });
  await permForm.getByLabel("User").fill("ui-alice");
  await permForm.getByLabel("Write regexp").fill("^ui-");
  await permForm.getByRole("button", { name: "Set permission" }).click();
  await p.getByText("Permissions of ui-alice on / set.").waitFor();
  // the new user logs in over AMQP with the password set in the browser
  const conn = await amqp.connect(ui.amqpUrl.replace("guest:guest", "ui-alice:s3cret"));
  await conn.close();
  expect(await api("permissions/%2F/ui-alice")).toMatchObject({ configure: ".*", write: "^ui-", read: ".*" });

  await p.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Policies", exact: true }).click();
  await p.getByRole("heading", { name: "Policies" }).waitFor();
  await p.getByText("Add or update a policy").click();
  const policyForm = p.getByRole("form", { name: "Add or update policy" });
  await policyForm.getByLabel("Name").fill("ui-limit");
  await policyForm.getByLabel("Pattern (regexp)").fill("^ui-limited");
  await policyForm.getByLabel("Definition (JSON)").fill('{"max-length": 5}');
  await policyForm.getByRole("button", { name: "Add / update policy" }).click();
  await p.getByText("Policy ui-limit set.").waitFor();
  await p.getByRole("cell", { name: "max-length: 5" }).waitFor();
  // in force: a queue declared over AMQP gets it
  const c = await amqp.connect(ui.amqpUrl);
  const ch = await c.createChannel();
  await ch.assertQueue("ui-limited-1", { durable: false });
  for (let i = 0; i < 8; i++) ch.sendToQueue("ui-limited-1", Buffer.from(String(i)));
  await expect.poll(async () => (await ch.checkQueue("ui-limited-1")).messageCount).toBe(5);
  await c.close();
  await p.goto(`${ui.base}#/queues/%2F/ui-limited-1`);
  await p.getByRole("rowheader", { name: "max-length", exact: true }).waitFor();
  await p.getByText("ui-limit", { exact: true }).first().waitFor();

  await p.getByRole("link", { name: "Admin" }).click();
  await p.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Definitions" }).click();
  const [download] = await Promise.all([p.waitForEvent("download"), p.getByRole("button", { name: "Download definitions" }).click()]);
  const defs = JSON.parse(readFileSync((await download.path())!, "utf8"));
  expect(defs.users.map((u: { name: string }) => u.name)).toContain("ui-alice");
  expect(defs.policies).toContainEqual(expect.objectContaining({ name: "ui-limit", pattern: "^ui-limited", definition: { "max-length": 5 } }));
  expect(defs.queues.map((q: { name: string }) => q.name)).toContain("ui-limited-1");
  await p.getByText(/Definitions exported/).waitFor();

  // and a file uploaded is imported: a RabbitMQ-style file with one queue and one binding
  const file = { vhosts: [{ name: "/" }], queues: [{ name: "ui-imported", vhost: "/", durable: true, auto_delete: false, arguments: { "x-max-length": 3 } }], bindings: [{ source: "amq.fanout", vhost: "/", destination: "ui-imported", destination_type: "queue", routing_key: "", arguments: {} }] };
  await p.getByLabel(/Definitions file/).setInputFiles({ name: "defs.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(file)) });
  await p.getByRole("button", { name: "Upload and import" }).click();
  await p.getByText("Definitions from defs.json imported.").waitFor();
  expect(await api("queues/%2F/ui-imported")).toMatchObject({ arguments: { "x-max-length": 3 } });
  expect(await api("queues/%2F/ui-imported/bindings")).toContainEqual(expect.objectContaining({ source: "amq.fanout" }));

  await p.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Users and permissions" }).click();
  await p.getByRole("button", { name: "Delete user ui-alice" }).click();
  await p.getByText("User ui-alice deleted.").waitFor();
  expect((await api("users")).map((u: { name: string }) => u.name)).not.toContain("ui-alice");
  expect(errors).toEqual([]);
  await context.close();
});

test("an operator policy set from its page caps a queue's length below its own argument", async () => {
  const { context, page: p } = await page();
  await logIn(p, ui.base);
  await p.goto(`${ui.base}#/admin/operator-policies`);
  await p.getByRole("heading", { name: "Operator policies" }).waitFor();
  await p.getByText("Add or update an operator policy").click();
  const form = p.getByRole("form", { name: "Add or update operator policy" });
  await form.getByLabel("Name").fill("ui-cap");
  await form.getByLabel("Pattern (regexp)").fill("^ui-capped$");
  await form.getByLabel("Definition (JSON)").fill('{"max-length": 2}');
  await form.getByRole("button", { name: "Add / update operator policy" }).click();
  await p.getByText("Operator policy ui-cap set.").waitFor();
  const c = await amqp.connect(ui.amqpUrl);
  const ch = await c.createChannel();
  await ch.assertQueue("ui-capped", { durable: false, arguments: { "x-max-length": 10 } });
  for (let i = 0; i < 5; i++) ch.sendToQueue("ui-capped", Buffer.from(String(i)));
  await expect.poll(async () => (await ch.checkQueue("ui-capped")).messageCount).toBe(2);
  await c.close();
  await p.goto(`${ui.base}#/queues/%2F/ui-capped`);
  await p.getByRole("row", { name: "Operator policy ui-cap" }).waitFor();
  await p.goto(`${ui.base}#/admin/operator-policies`);
  await p.getByRole("button", { name: "Delete operator policy ui-cap" }).click();
  await p.getByText("Operator policy ui-cap deleted.").waitFor();
  expect(await api("operator-policies")).toEqual([]);
  expect(errors).toEqual([]);
  await context.close();
});

test("a vhost added on the vhosts page appears in the header's selector; choosing it narrows the lists", async () => {
  const c = await amqp.connect(ui.amqpUrl);
  const ch = await c.createChannel();
  await ch.assertQueue("ui-in-default", { durable: false });
  await c.close();
  const { context, page: p } = await page();
  await logIn(p, ui.base);
  await p.goto(`${ui.base}#/admin/vhosts`);
  await p.getByRole("heading", { name: "Virtual hosts" }).waitFor();
  await p.getByText("Add a virtual host").click();
  await p.getByLabel("Name").fill("ui-v2");
  await p.getByRole("button", { name: "Add virtual host" }).click();
  await p.getByText("Virtual host ui-v2 added.").waitFor();
  await p.getByRole("cell", { name: "ui-v2", exact: true }).waitFor();
  const selector = p.getByRole("combobox", { name: "Virtual host" });
  await selector.locator('option[value="ui-v2"]').waitFor({ state: "attached" });
  await p.goto(`${ui.base}#/queues`);
  await p.getByRole("link", { name: "ui-in-default" }).waitFor();
  await selector.selectOption("ui-v2");
  await p.getByRole("heading", { name: "Queues in ui-v2" }).waitFor();
  await p.getByText("No queues.").waitFor();
  await selector.selectOption("/");
  await p.getByRole("link", { name: "ui-in-default" }).waitFor();
  await p.goto(`${ui.base}#/`);
  await p.getByRole("heading", { name: "Overview of /" }).waitFor();
  await selector.selectOption("");
  await p.getByRole("heading", { name: "Overview", exact: true }).waitFor();

  await p.goto(`${ui.base}#/admin/vhosts`);
  await p.getByRole("button", { name: "Delete virtual host ui-v2" }).click();
  await p.getByText("Virtual host ui-v2 deleted.").waitFor();
  await expect.poll(() => selector.locator('option[value="ui-v2"]').count()).toBe(0);
  expect(ui.broker.vhosts.has("ui-v2")).toBe(false);
  expect(errors).toEqual([]);
  await context.close();
});

test("a monitoring user sees no admin pages and cannot delete a queue its permissions do not allow", async () => {
  const c = await amqp.connect(ui.amqpUrl);
  const ch = await c.createChannel();
  await ch.assertQueue("ui-kept", { durable: false });
  const { context, page: p } = await page();
  await logIn(p, ui.base, "watcher");
  await p.getByRole("link", { name: "Connections" }).waitFor();
  expect(await p.getByRole("link", { name: "Admin" }).count()).toBe(0);
  // monitoring: the node facts and every user's connections
  await p.getByRole("rowheader", { name: "Uptime" }).waitFor();
  await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
  await p.getByRole("cell", { name: "guest", exact: true }).waitFor();

  await p.goto(`${ui.base}#/admin/users`);
  await p.getByRole("heading", { name: "Not allowed" }).waitFor();

  await p.goto(`${ui.base}#/queues/%2F/ui-kept`);
  await p.getByRole("heading", { name: "Queue ui-kept" }).waitFor();
  await p.getByRole("button", { name: "Delete queue" }).click();
  await p.getByText("Access refused.").waitFor();
  await p.getByRole("heading", { name: "Queue ui-kept" }).waitFor();
  await ch.checkQueue("ui-kept");
  await c.close();
  expect(errors).toEqual([]);
  await context.close();
});

/** Policies: list (the vhost chosen in the header, or all), add or replace, delete. */
import { get, request, seg } from "../api.js";
import { field, fill, h, select, statusLine } from "../dom.js";
import { jsonArea, jsonObject } from "../json-input.js";
import { inVhost, type Page } from "../page.js";
import { vhost } from "../session.js";
import { dataTable } from "../table.js";
import { vhostChoice } from "../vhost-choice.js";
import { adminNav, confirmButton } from "./admin-nav.js";

interface Policy {
  vhost: string;
  name: string;
  pattern: string;
  "apply-to": string;
  definition: Record<string, unknown>;
  priority: number;
}

export function policiesPage(): Page {
  const table = h("div");
  const status = statusLine();
  const v = vhostChoice();
  const name = h("input", { name: "policy-name", required: true, autocomplete: "off" });
  const pattern = h("input", { name: "pattern", required: true, placeholder: "^orders\\.", autocomplete: "off" });
  const applyTo = select("apply-to", [["all", "Exchanges and queues"], ["queues", "Queues"], ["exchanges", "Exchanges"]], "queues");
  const priority = h("input", { name: "priority", type: "number", value: "0" });
  const definition = jsonArea("definition", '{"max-length": 10000, "message-ttl": 60000, "dead-letter-exchange": "dlx"}');
  const form = h(
    "form",
    {
      class: "form-grid",
      "aria-label": "Add or update policy",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const body = { pattern: pattern.value, "apply-to": applyTo.value, priority: Number(priority.value), definition: jsonObject(definition, "Definition") };
          await request("PUT", `policies/${seg(v.value)}/${seg(name.value)}`, body);
          status.show(`Policy ${name.value} set.`);
          await refresh();
        } catch (err) {
          status.show((err as Error).message, true);
        }
      },
    },
    field("Virtual host", v),
    field("Name", name),
    field("Pattern (regexp)", pattern),
    field("Apply to", applyTo),
    field("Priority", priority),
    field("Definition (JSON)", definition, "message-ttl, expires, max-length, max-length-bytes, overflow, dead-letter-exchange, dead-letter-routing-key, alternate-exchange"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Add / update policy")),
  );
  const el = h("div", null, adminNav("policies"), h("h1", null, "Policies"), status, table, h("details", { class: "card" }, h("summary", null, "Add or update a policy"), form));

  async function refresh(): Promise<void> {
    const list = await get<Policy[]>(inVhost("policies", vhost()));
    fill(
      table,
      dataTable(
        [
          { label: "Virtual host", cell: (p: Policy) => p.vhost },
          { label: "Name", cell: (p: Policy) => p.name },
          { label: "Pattern", cell: (p: Policy) => h("code", null, p.pattern) },
          { label: "Apply to", cell: (p: Policy) => p["apply-to"] },
          { label: "Definition", cell: (p: Policy) => Object.entries(p.definition).map(([k, val]) => h("div", null, h("code", null, `${k}: ${JSON.stringify(val)}`))) },
          { label: "Priority", num: true, cell: (p: Policy) => String(p.priority) },
          {
            label: "",
            cell: (p: Policy) =>
              confirmButton("Delete", `Delete policy ${p.name}?`, async () => {
                await request("DELETE", `policies/${seg(p.vhost)}/${seg(p.name)}`);
                status.show(`Policy ${p.name} deleted.`);
                await refresh();
              }, status.show, `Delete policy ${p.name}`),
          },
        ],
        list,
        { caption: "Policies", empty: "No policies." },
      ),
    );
  }
  return { title: "Policies", el, refresh };
}

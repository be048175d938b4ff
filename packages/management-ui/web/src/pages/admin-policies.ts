/**
 * Policies and operator policies (limits an operator sets over users' policies and arguments; the
 * lower limit wins): list (the vhost chosen in the header, or all), add or replace, delete.
 */
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

const USER_HINT = "message-ttl, expires, max-length, max-length-bytes, overflow, dead-letter-exchange, dead-letter-routing-key, alternate-exchange";
const OPERATOR_HINT = "limits only: message-ttl, expires, max-length, max-length-bytes (the lower of this and the queue's own wins)";

export const policiesPage = (): Page => policyPage(false);
export const operatorPoliciesPage = (): Page => policyPage(true);

function policyPage(operator: boolean): Page {
  const base = operator ? "operator-policies" : "policies";
  const what = operator ? "Operator policy" : "Policy";
  const table = h("div");
  const status = statusLine();
  const v = vhostChoice();
  const name = h("input", { name: "policy-name", required: true, autocomplete: "off" });
  const pattern = h("input", { name: "pattern", required: true, placeholder: "^orders\\.", autocomplete: "off" });
  const applyTo = select("apply-to", [["all", "Exchanges and queues"], ["queues", "Queues"], ["exchanges", "Exchanges"]], "queues");
  const priority = h("input", { name: "priority", type: "number", value: "0" });
  const definition = jsonArea("definition", operator ? '{"max-length": 100000, "message-ttl": 86400000}' : '{"max-length": 10000, "message-ttl": 60000, "dead-letter-exchange": "dlx"}');
  const form = h(
    "form",
    {
      class: "form-grid",
      "aria-label": `Add or update ${what.toLowerCase()}`,
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const body = { pattern: pattern.value, "apply-to": applyTo.value, priority: Number(priority.value), definition: jsonObject(definition, "Definition") };
          await request("PUT", `${base}/${seg(v.value)}/${seg(name.value)}`, body);
          status.show(`${what} ${name.value} set.`);
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
    field("Definition (JSON)", definition, operator ? OPERATOR_HINT : USER_HINT),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, `Add / update ${what.toLowerCase()}`)),
  );
  const el = h(
    "div",
    null,
    adminNav(base),
    h("h1", null, operator ? "Operator policies" : "Policies"),
    status,
    table,
    h("details", { class: "card" }, h("summary", null, `Add or update ${operator ? "an operator policy" : "a policy"}`), form),
  );

  async function refresh(): Promise<void> {
    const list = await get<Policy[]>(inVhost(base, vhost()));
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
              confirmButton("Delete", `Delete ${what.toLowerCase()} ${p.name}?`, async () => {
                await request("DELETE", `${base}/${seg(p.vhost)}/${seg(p.name)}`);
                status.show(`${what} ${p.name} deleted.`);
                await refresh();
              }, status.show, `Delete ${what.toLowerCase()} ${p.name}`),
          },
        ],
        list,
        { caption: operator ? "Operator policies" : "Policies", empty: operator ? "No operator policies." : "No policies." },
      ),
    );
  }
  return { title: operator ? "Operator policies" : "Policies", el, refresh };
}

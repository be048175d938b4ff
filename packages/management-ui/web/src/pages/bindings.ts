/** Bindings tables (with unbind) and the add-binding forms of the queue and exchange pages. */
import { request, seg } from "../api.js";
import { field, h, select, statusLine } from "../dom.js";
import { jsonArea, jsonObject } from "../json-input.js";
import { link } from "../page.js";
import { dataTable } from "../table.js";

export interface Binding {
  source: string;
  vhost: string;
  destination: string;
  destination_type: "queue" | "exchange";
  routing_key: string;
  arguments: Record<string, unknown>;
  properties_key: string;
}

const exchangeLink = (vhost: string, name: string) => (name === "" ? h("span", { class: "muted" }, "(default exchange)") : h("a", { href: link("exchanges", vhost, name) }, name));
const destLink = (b: Binding) => h("a", { href: link(b.destination_type === "queue" ? "queues" : "exchanges", b.vhost, b.destination) }, b.destination);

/** `side`: what the page is (a queue shows sources; an exchange's outgoing list shows destinations). */
export function bindingsTable(bindings: readonly Binding[], side: "q" | "from" | "to", onChange: () => Promise<void>): HTMLElement {
  const status = statusLine();
  const unbind = (b: Binding) =>
    b.source === ""
      ? h("span", { class: "muted" }, "(implicit)")
      : h(
          "button",
          {
            type: "button",
            "aria-label": `Unbind ${b.source} → ${b.destination} (${b.routing_key})`,
            onclick: async () => {
              try {
                const kind = b.destination_type === "queue" ? "q" : "e";
                await request("DELETE", `bindings/${seg(b.vhost)}/e/${seg(b.source)}/${kind}/${seg(b.destination)}/${seg(b.properties_key)}`);
                status.show("Binding removed.");
                await onChange();
              } catch (err) {
                status.show((err as Error).message, true);
              }
            },
          },
          "Unbind",
        );
  const cols = [
    ...(side === "to" ? [] : [{ label: "From", cell: (b: Binding) => exchangeLink(b.vhost, b.source) }]),
    ...(side === "q" ? [] : [{ label: "To", cell: destLink }, { label: "Type", cell: (b: Binding) => b.destination_type }]),
    { label: "Routing key", cell: (b: Binding) => h("code", null, b.routing_key) },
    { label: "Arguments", cell: (b: Binding) => (Object.keys(b.arguments).length === 0 ? "" : JSON.stringify(b.arguments)) },
    { label: "", cell: unbind },
  ];
  return h("div", null, dataTable(cols, bindings, { caption: "Bindings", empty: "No bindings." }), status);
}

/**
 * Adds a binding: on a queue page from an exchange to it (`kind` "q"), on an exchange page from it
 * to a queue or exchange (`kind` "e").
 */
export function bindingForm(vhost: string, kind: "q" | "e", name: string, onDone: () => Promise<void>): HTMLElement {
  const other = h("input", { name: kind === "q" ? "source" : "destination", required: true, autocomplete: "off" });
  const destType = select("destination_type", [["q", "Queue"], ["e", "Exchange"]], "q");
  const key = h("input", { name: "routing_key", autocomplete: "off" });
  const args = jsonArea("binding_arguments", '{"x-match": "all"}');
  const status = statusLine();
  return h(
    "form",
    {
      class: "form-grid",
      "aria-label": "Add binding",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const body = { routing_key: key.value, arguments: jsonObject(args, "Arguments") };
          const path = kind === "q" ? `bindings/${seg(vhost)}/e/${seg(other.value)}/q/${seg(name)}` : `bindings/${seg(vhost)}/e/${seg(name)}/${destType.value}/${seg(other.value)}`;
          await request("POST", path, body);
          status.show("Binding added.");
          await onDone();
        } catch (err) {
          status.show((err as Error).message, true);
        }
      },
    },
    kind === "e" ? field("Destination type", destType) : null,
    field(kind === "q" ? "From exchange" : "To", other),
    field("Routing key", key),
    field("Arguments (JSON)", args),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Bind")),
    status,
  );
}

/** Exchanges: the paged list, and a form to declare one. */
import { request, seg } from "../api.js";
import { field, h, select, statusLine } from "../dom.js";
import { features } from "../features.js";
import { at, rate } from "../format.js";
import { jsonArea, jsonObject } from "../json-input.js";
import { inVhost, link, type Page } from "../page.js";
import { pagedList } from "../paged-list.js";
import { vhost } from "../session.js";
import type { Column } from "../table.js";
import { vhostChoice } from "../vhost-choice.js";

export interface ExchangeRow {
  name: string;
  vhost: string;
  type: string;
  durable: boolean;
  auto_delete: boolean;
  internal: boolean;
  arguments: Record<string, unknown>;
  policy?: string;
  message_stats?: Record<string, unknown>;
}

const FIELDS = ["name", "vhost", "type", "durable", "auto_delete", "internal", "arguments", "policy", "message_stats.publish_in_details", "message_stats.publish_out_details"];

/** The default exchange's name in lists ("") and URLs (amq.default). */
export const exchangeLabel = (name: string): string => (name === "" ? "(AMQP default)" : name);

function columns(allVhosts: boolean): Column<ExchangeRow>[] {
  return [
    ...(allVhosts ? [{ label: "Virtual host", sort: "vhost", cell: (e: ExchangeRow) => e.vhost }] : []),
    { label: "Name", sort: "name", cell: (e) => h("a", { href: link("exchanges", e.vhost, e.name === "" ? "amq.default" : e.name) }, exchangeLabel(e.name)) },
    { label: "Type", sort: "type", cell: (e) => e.type },
    { label: "Features", cell: (e) => features({ ...e, policy: e.policy ?? null }) },
    { label: "Message rate in", sort: "message_stats.publish_in_details.rate", num: true, cell: (e) => rate(at(e, "message_stats", "publish_in_details", "rate") ?? 0) },
    { label: "Message rate out", sort: "message_stats.publish_out_details.rate", num: true, cell: (e) => rate(at(e, "message_stats", "publish_out_details", "rate") ?? 0) },
  ];
}

function declareForm(onDone: () => Promise<void>): HTMLElement {
  const v = vhostChoice();
  const name = h("input", { name: "name", required: true, autocomplete: "off" });
  const type = select("type", [["direct", "direct"], ["fanout", "fanout"], ["topic", "topic"], ["headers", "headers"]], "direct");
  const durability = select("durable", [["true", "Durable"], ["false", "Transient"]], "true");
  const autoDelete = select("auto_delete", [["false", "No"], ["true", "Yes"]], "false");
  const internal = select("internal", [["false", "No"], ["true", "Yes"]], "false");
  const args = jsonArea("arguments", '{"alternate-exchange": "unrouted"}');
  const status = statusLine();
  return h(
    "details",
    { class: "card" },
    h("summary", null, "Add a new exchange"),
    h(
      "form",
      {
        class: "form-grid",
        onsubmit: async (e: Event) => {
          e.preventDefault();
          try {
            const body = { type: type.value, durable: durability.value === "true", auto_delete: autoDelete.value === "true", internal: internal.value === "true", arguments: jsonObject(args, "Arguments") };
            await request("PUT", `exchanges/${seg(v.value)}/${seg(name.value)}`, body);
            status.show(`Exchange ${name.value} declared.`);
            name.value = "";
            await onDone();
          } catch (err) {
            status.show((err as Error).message, true);
          }
        },
      },
      field("Virtual host", v),
      field("Name", name),
      field("Type", type),
      field("Durability", durability),
      field("Auto delete", autoDelete),
      field("Internal", internal),
      field("Arguments (JSON)", args),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Add exchange")),
      status,
    ),
  );
}

export function exchangesPage(): Page {
  const v = vhost();
  const list = pagedList<ExchangeRow>({ path: inVhost("exchanges", v), columns: columns(v === ""), fields: FIELDS, caption: "Exchanges", noun: "exchanges" });
  const el = h("div", null, h("h1", null, v === "" ? "Exchanges" : `Exchanges in ${v}`), list.el, declareForm(list.refresh));
  return { title: "Exchanges", el, refresh: list.refresh };
}

/** Queues: the paged, sortable, filterable list, and a form to declare one. */
import { request, seg } from "../api.js";
import { field, h, select, statusLine } from "../dom.js";
import { features } from "../features.js";
import { at, count, rate } from "../format.js";
import { jsonArea, jsonObject } from "../json-input.js";
import { inVhost, link, type Page } from "../page.js";
import { pagedList } from "../paged-list.js";
import { vhost } from "../session.js";
import type { Column } from "../table.js";
import { vhostChoice } from "../vhost-choice.js";

export interface QueueRow {
  name: string;
  vhost: string;
  type: string;
  state: string;
  durable: boolean;
  auto_delete: boolean;
  exclusive: boolean;
  arguments: Record<string, unknown>;
  effective_policy_definition: Record<string, unknown>;
  policy: string | null;
  consumers: number;
  messages_ready: number;
  messages_unacknowledged: number;
  messages: number;
  message_stats?: Record<string, { rate: number } | number>;
}

const FIELDS = [
  "name",
  "vhost",
  "type",
  "state",
  "durable",
  "auto_delete",
  "exclusive",
  "arguments",
  "effective_policy_definition",
  "policy",
  "consumers",
  "messages_ready",
  "messages_unacknowledged",
  "messages",
  "message_stats.publish_details",
  "message_stats.deliver_get_details",
  "message_stats.ack_details",
];

function columns(allVhosts: boolean): Column<QueueRow>[] {
  const cols: Column<QueueRow>[] = [];
  if (allVhosts) cols.push({ label: "Virtual host", sort: "vhost", cell: (q) => q.vhost });
  cols.push(
    { label: "Name", sort: "name", cell: (q) => h("a", { href: link("queues", q.vhost, q.name) }, q.name) },
    { label: "Type", sort: "type", cell: (q) => q.type },
    { label: "Features", cell: (q) => features(q) },
    { label: "State", sort: "state", cell: (q) => h("span", { class: `state ${q.state}` }, q.state) },
    { label: "Consumers", sort: "consumers", num: true, cell: (q) => count(q.consumers) },
    { label: "Ready", sort: "messages_ready", num: true, cell: (q) => count(q.messages_ready) },
    { label: "Unacked", sort: "messages_unacknowledged", num: true, cell: (q) => count(q.messages_unacknowledged) },
    { label: "Total", sort: "messages", num: true, cell: (q) => count(q.messages) },
    { label: "Incoming", title: "published per second", sort: "message_stats.publish_details.rate", num: true, cell: (q) => rate(at(q, "message_stats", "publish_details", "rate") ?? 0) },
    { label: "Deliver / get", sort: "message_stats.deliver_get_details.rate", num: true, cell: (q) => rate(at(q, "message_stats", "deliver_get_details", "rate") ?? 0) },
    { label: "Ack", sort: "message_stats.ack_details.rate", num: true, cell: (q) => rate(at(q, "message_stats", "ack_details", "rate") ?? 0) },
  );
  return cols;
}

function declareForm(onDone: () => Promise<void>): HTMLElement {
  const v = vhostChoice();
  const name = h("input", { name: "name", required: true, autocomplete: "off" });
  const durability = select("durable", [["true", "Durable"], ["false", "Transient"]], "true");
  const autoDelete = select("auto_delete", [["false", "No"], ["true", "Yes"]], "false");
  const args = jsonArea("arguments", '{"x-max-length": 1000, "x-message-ttl": 60000}');
  const status = statusLine();
  const form = h(
    "form",
    {
      class: "form-grid",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const body = { durable: durability.value === "true", auto_delete: autoDelete.value === "true", arguments: jsonObject(args, "Arguments") };
          await request("PUT", `queues/${seg(v.value)}/${seg(name.value)}`, body);
          status.show(`Queue ${name.value} declared.`);
          name.value = "";
          await onDone();
        } catch (err) {
          status.show((err as Error).message, true);
        }
      },
    },
    field("Virtual host", v),
    field("Name", name),
    field("Durability", durability),
    field("Auto delete", autoDelete),
    field("Arguments (JSON)", args, "x-message-ttl, x-expires, x-max-length, x-max-length-bytes, x-overflow, x-dead-letter-exchange, x-dead-letter-routing-key, x-max-priority, x-single-active-consumer"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Add queue")),
    status,
  );
  return h("details", { class: "card" }, h("summary", null, "Add a new queue"), form);
}

export function queuesPage(): Page {
  const v = vhost();
  const list = pagedList<QueueRow>({ path: inVhost("queues", v), columns: columns(v === ""), fields: FIELDS, caption: "Queues", noun: "queues" });
  const el = h("div", null, h("h1", null, v === "" ? "Queues" : `Queues in ${v}`), list.el, declareForm(list.refresh));
  return { title: "Queues", el, refresh: list.refresh };
}

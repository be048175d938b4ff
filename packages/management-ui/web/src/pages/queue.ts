/**
 * One queue: its numbers over time, details, arguments and effective policy, consumers and
 * bindings, and the actions: publish, get messages, purge, delete, add and remove bindings.
 */
import { get, request, seg } from "../api.js";
import { History, LiveChart } from "../chart.js";
import { fill, h } from "../dom.js";
import { features } from "../features.js";
import { at, bytes, count, rate, show } from "../format.js";
import { go, link, type Page } from "../page.js";
import { dataTable, kvTable } from "../table.js";
import { bindingForm, bindingsTable, type Binding } from "./bindings.js";
import { getForm, publishForm } from "./messages.js";
import type { QueueRow } from "./queues.js";

interface Consumer {
  consumer_tag: string;
  ack_required: boolean;
  exclusive: boolean;
  prefetch_count: number;
  active: boolean;
}

interface QueueDetail extends QueueRow {
  consumer_details: Consumer[];
  operator_policy: string | null;
  message_bytes: number;
  node: string;
}

const num = (v: unknown): number => (typeof v === "number" ? v : 0);

export function queuePage([vhost, name]: string[]): Page {
  const v = vhost!;
  const q = name!;
  const path = `queues/${seg(v)}/${seg(q)}`;
  const queued = new History(["Ready", "Unacked", "Total"]);
  const rates = new History(["Publish", "Deliver / get", "Ack", "Redeliver"]);
  const queuedChart = new LiveChart("Queued messages", queued, "");
  const ratesChart = new LiveChart("Message rates (per second)", rates, "/s");
  const summary = h("div");
  const details = h("div");
  const consumers = h("div");
  const bindings = h("div");
  const actions = h("div", { class: "actions" });

  const purge = h(
    "button",
    {
      type: "button",
      onclick: async () => {
        if (!confirm(`Purge all ready messages of ${q}?`)) return;
        await act(() => request("DELETE", `${path}/contents`), "Queue purged.");
      },
    },
    "Purge messages",
  );
  const remove = h(
    "button",
    {
      type: "button",
      class: "danger",
      onclick: async () => {
        if (!confirm(`Delete queue ${q}?`)) return;
        if (await act(() => request("DELETE", path), "Queue deleted.")) go("#/queues");
      },
    },
    "Delete queue",
  );
  const actionStatus = h("p", { class: "status", role: "status", "aria-live": "polite" });
  fill(actions, purge, remove, actionStatus);

  async function act(fn: () => Promise<unknown>, done: string): Promise<boolean> {
    try {
      await fn();
      actionStatus.textContent = done;
      actionStatus.classList.remove("error");
      await refresh().catch(() => {});
      return true;
    } catch (err) {
      actionStatus.textContent = (err as Error).message;
      actionStatus.classList.add("error");
      return false;
    }
  }

  const el = h(
    "div",
    { class: "queue" },
    h("p", { class: "crumbs" }, h("a", { href: "#/queues" }, "Queues"), " › ", v),
    h("h1", null, "Queue ", h("span", { class: "name" }, q)),
    summary,
    h("div", { class: "charts" }, queuedChart.el, ratesChart.el),
    h("section", { "aria-labelledby": "q-details" }, h("h2", { id: "q-details" }, "Details"), details),
    h("section", { "aria-labelledby": "q-consumers" }, h("h2", { id: "q-consumers" }, "Consumers"), consumers),
    h("section", { "aria-labelledby": "q-bindings" }, h("h2", { id: "q-bindings" }, "Bindings"), bindings, bindingForm(v, "q", q, () => refresh())),
    h("section", { "aria-labelledby": "q-publish" }, h("h2", { id: "q-publish" }, "Publish message"), publishForm(v, "", q, () => refresh())),
    h("section", { "aria-labelledby": "q-get" }, h("h2", { id: "q-get" }, "Get messages"), getForm(v, q, () => refresh())),
    h("section", { "aria-labelledby": "q-actions" }, h("h2", { id: "q-actions" }, "Purge or delete"), actions),
  );

  async function refresh(): Promise<void> {
    const [d, b] = await Promise.all([get<QueueDetail>(path), get<Binding[]>(`${path}/bindings`)]);
    queued.push([d.messages_ready, d.messages_unacknowledged, d.messages]);
    const r = (k: string) => num(at(d, "message_stats", `${k}_details`, "rate"));
    rates.push([r("publish"), r("deliver_get"), r("ack"), r("redeliver")]);
    queuedChart.update();
    ratesChart.update();
    fill(
      summary,
      h(
        "dl",
        { class: "facts" },
        [
          ["State", h("span", { class: `state ${d.state}` }, d.state)],
          ["Ready", h("span", { "data-testid": "ready" }, count(d.messages_ready))],
          ["Unacked", count(d.messages_unacknowledged)],
          ["Total", h("span", { "data-testid": "total" }, count(d.messages))],
          ["Bytes", bytes(d.message_bytes)],
          ["Consumers", count(d.consumers)],
          ["Incoming", rate(r("publish"))],
        ].map(([k, val]) => h("div", null, h("dt", null, k as string), h("dd", null, val as Node | string))),
      ),
    );
    fill(
      details,
      kvTable(
        {
          "Virtual host": d.vhost,
          Type: d.type,
          Features: features(d),
          Policy: d.policy ?? "none",
          "Operator policy": d.operator_policy ?? "none",
          Node: d.node,
        },
        "Queue details",
      ),
      h("h3", null, "Arguments"),
      kvTable(d.arguments, "Arguments"),
      h("h3", null, "Effective policy definition"),
      kvTable(d.effective_policy_definition, "Effective policy definition"),
    );
    fill(
      consumers,
      dataTable(
        [
          { label: "Consumer tag", cell: (c: Consumer) => c.consumer_tag },
          { label: "Ack required", cell: (c: Consumer) => (c.ack_required ? "yes" : "no") },
          { label: "Exclusive", cell: (c: Consumer) => (c.exclusive ? "yes" : "no") },
          { label: "Prefetch", num: true, cell: (c: Consumer) => count(c.prefetch_count) },
          { label: "Active", cell: (c: Consumer) => (c.active ? "yes" : "no") },
        ],
        d.consumer_details,
        { caption: "Consumers", empty: "No consumers." },
      ),
    );
    fill(bindings, bindingsTable(b, "q", () => refresh()));
  }

  return {
    title: `Queue ${q}`,
    el,
    refresh,
    dispose: () => {
      queuedChart.dispose();
      ratesChart.dispose();
    },
  };
}


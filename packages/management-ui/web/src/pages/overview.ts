/**
 * Overview: totals, message rates and queued messages over time, alarms and node facts. With a
 * vhost chosen, the messages, rates and totals are that vhost's (/api/vhosts/{vhost}).
 */
import { ApiError, get, seg } from "../api.js";
import { History, LiveChart } from "../chart.js";
import { fill, h } from "../dom.js";
import { at, bytes, count, duration } from "../format.js";
import type { Page } from "../page.js";
import { can, vhost } from "../session.js";
import { kvTable } from "../table.js";

const RATES = [
  ["publish", "Publish"],
  ["deliver_get", "Deliver / get"],
  ["ack", "Ack"],
  ["confirm", "Confirm"],
  ["redeliver", "Redeliver"],
] as const;

// kept while the tab is open, so coming back to the overview shows the last minutes again
const histories = new Map<string, { rates: History; queued: History }>();

function historyOf(v: string) {
  let hs = histories.get(v);
  if (hs === undefined) {
    hs = { rates: new History(RATES.map(([, l]) => l)), queued: new History(["Ready", "Unacked", "Total"]) };
    histories.set(v, hs);
  }
  return hs;
}

const num = (v: unknown): number => (typeof v === "number" ? v : 0);

function tile(label: string, value: string, href?: string): HTMLElement {
  return h("div", { class: "tile" }, h("span", { class: "tile-label" }, label), href ? h("a", { class: "tile-value", href }, value) : h("span", { class: "tile-value" }, value));
}

export function overviewPage(): Page {
  const v = vhost();
  const hs = historyOf(v);
  const ratesChart = new LiveChart("Message rates (per second)", hs.rates, "/s");
  const queuedChart = new LiveChart("Queued messages", hs.queued, "");
  const totals = h("div", { class: "tiles", "aria-label": "Totals" });
  const alarms = h("div", { class: "alarms" });
  const node = h("div");
  const el = h(
    "div",
    { class: "overview" },
    h("h1", null, v === "" ? "Overview" : `Overview of ${v}`),
    alarms,
    totals,
    h("div", { class: "charts" }, ratesChart.el, queuedChart.el),
    h("h2", null, "Node"),
    node,
  );

  async function refresh(): Promise<void> {
    const [o, vh, n, health] = await Promise.all([
      get<Record<string, unknown>>("overview"),
      v === "" ? null : get<Record<string, unknown>>(`vhosts/${seg(v)}`),
      can("monitoring") ? get<Record<string, unknown>[]>("nodes").then((l) => l[0] ?? null) : null,
      get("health/checks/alarms").then(
        () => [] as { resource: string }[],
        (err: unknown) => {
          if (err instanceof ApiError && err.status === 503) return [{ resource: "memory or disk" }];
          throw err;
        },
      ),
    ]);
    const src = vh ?? (o.queue_totals as Record<string, unknown>);
    const stats = (vh ?? o).message_stats;
    hs.rates.push(RATES.map(([k]) => num(at(stats, `${k}_details`, "rate"))));
    hs.queued.push([num(src.messages_ready), num(src.messages_unacknowledged), num(src.messages)]);
    ratesChart.update();
    queuedChart.update();

    const t = o.object_totals as Record<string, number>;
    fill(
      totals,
      tile("Connections", count(t.connections), "#/connections"),
      tile("Channels", count(t.channels), "#/channels"),
      tile("Exchanges", count(t.exchanges), "#/exchanges"),
      tile("Queues", count(t.queues), "#/queues"),
      tile("Consumers", count(t.consumers)),
      tile("Ready", count(src.messages_ready)),
      tile("Unacked", count(src.messages_unacknowledged)),
      tile("Total", count(src.messages)),
    );

    const memAlarm = n !== null && n.mem_alarm === true;
    const diskAlarm = n !== null && n.disk_free_alarm === true;
    const set = n !== null ? [memAlarm ? "memory" : null, diskAlarm ? "disk" : null].filter((x) => x !== null) : health.map((a) => a.resource);
    fill(
      alarms,
      set.length === 0
        ? h("p", { class: "ok" }, "No alarms: publishers are not blocked.")
        : h("p", { class: "alarm", role: "alert" }, `Resource alarm in effect (${set.join(", ")}): publishing connections are blocked.`),
    );

    const listeners = (o.listeners as { protocol: string; port: number; ip_address: string }[]).map((l) => `${l.protocol} ${l.ip_address.includes(":") ? `[${l.ip_address}]` : l.ip_address}:${l.port}`);
    const facts: Record<string, unknown> = {
      Node: o.node,
      Version: `${String(o.product_name)} ${String(o.product_version)} (answers as RabbitMQ ${String(o.rabbitmq_version)})`,
      Runtime: o.erlang_full_version,
      Listeners: listeners.join(", "),
    };
    if (n !== null) {
      facts.Uptime = duration(n.uptime);
      facts.Memory = `${bytes(n.mem_used)} used, alarm at ${bytes(n.mem_limit)}`;
      if (num(n.disk_free) > 0) facts["Disk free"] = `${bytes(n.disk_free)}, alarm below ${bytes(n.disk_free_limit)}`;
      facts["Data directory"] = n.db_dir === "" ? "(in memory)" : n.db_dir;
      facts.Processors = n.processors;
    }
    fill(node, kvTable(facts, "Node facts"));
  }

  return {
    title: "Overview",
    el,
    refresh,
    dispose: () => {
      ratesChart.dispose();
      queuedChart.dispose();
    },
  };
}

/** One channel: its mode, prefetch, unacked and rates, and the consumers on it. */
import { get, seg } from "../api.js";
import { fill, h } from "../dom.js";
import { at, count, rate } from "../format.js";
import { link, type Page } from "../page.js";
import { dataTable, kvTable } from "../table.js";
import type { ChannelRow } from "./connections.js";

interface ChannelDetail extends ChannelRow {
  global_prefetch_count: number;
}

interface ConsumerRow {
  consumer_tag: string;
  ack_required: boolean;
  exclusive: boolean;
  prefetch_count: number;
  queue: { name: string; vhost: string };
  channel_details: { name: string };
}

export function channelPage([name]: string[]): Page {
  const n = name!;
  const details = h("div");
  const consumers = h("div");
  const el = h("div", null, h("p", { class: "crumbs" }, h("a", { href: "#/channels" }, "Channels")), h("h1", null, "Channel ", h("span", { class: "name" }, n)), details, h("h2", null, "Consumers"), consumers);

  async function refresh(): Promise<void> {
    const c = await get<ChannelDetail>(`channels/${seg(n)}`);
    const all = await get<ConsumerRow[]>(`consumers/${seg(c.vhost)}`);
    const r = (k: string) => rate(at(c, "message_stats", `${k}_details`, "rate") ?? 0);
    fill(
      details,
      kvTable(
        {
          Connection: h("a", { href: link("connections", c.connection_details.name) }, c.connection_details.name),
          "Virtual host": c.vhost,
          User: c.user,
          State: c.state,
          Mode: [c.confirm ? "confirm" : "", c.transactional ? "transactional" : ""].filter((x) => x !== "").join(", ") || "plain",
          Prefetch: `${count(c.prefetch_count)} per consumer, ${count(c.global_prefetch_count)} per channel (0: no limit)`,
          Unacked: count(c.messages_unacknowledged),
          Publish: r("publish"),
          Confirm: r("confirm"),
          "Deliver / get": r("deliver_get"),
          Ack: r("ack"),
        },
        "Channel details",
      ),
    );
    fill(
      consumers,
      dataTable(
        [
          { label: "Consumer tag", cell: (k: ConsumerRow) => k.consumer_tag },
          { label: "Queue", cell: (k: ConsumerRow) => h("a", { href: link("queues", k.queue.vhost, k.queue.name) }, k.queue.name) },
          { label: "Ack required", cell: (k: ConsumerRow) => (k.ack_required ? "yes" : "no") },
          { label: "Exclusive", cell: (k: ConsumerRow) => (k.exclusive ? "yes" : "no") },
          { label: "Prefetch", num: true, cell: (k: ConsumerRow) => count(k.prefetch_count) },
        ],
        all.filter((k) => k.channel_details.name === n),
        { caption: "Consumers", empty: "No consumers." },
      ),
    );
  }
  return { title: `Channel ${n}`, el, refresh };
}

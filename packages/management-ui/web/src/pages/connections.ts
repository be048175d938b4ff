/** Connections (with their flow/blocked state) and channels: paged lists. */
import { h } from "../dom.js";
import { at, bytes, count, rate } from "../format.js";
import { link, type Page } from "../page.js";
import { pagedList } from "../paged-list.js";
import { vhost } from "../session.js";
import type { Column } from "../table.js";

export interface ConnectionRow {
  name: string;
  user: string;
  vhost: string;
  state: string;
  channels: number;
  protocol: string;
  ssl: boolean;
  peer_host: string;
  peer_port: number;
  user_provided_name?: string;
  client_properties?: Record<string, unknown>;
  recv_oct_details?: { rate: number };
  send_oct_details?: { rate: number };
}

const state = (s: string) => h("span", { class: `state ${s}`, title: s === "flow" ? "reading paused by credit flow" : s === "blocked" ? "blocked by a resource alarm" : null }, s);

const CONNECTION_COLUMNS: Column<ConnectionRow>[] = [
  {
    label: "Name",
    sort: "name",
    cell: (c) => h("span", null, h("a", { href: link("connections", c.name) }, c.name), c.user_provided_name ? h("small", { class: "muted block" }, c.user_provided_name) : null),
  },
  { label: "Virtual host", sort: "vhost", cell: (c) => c.vhost },
  { label: "User", sort: "user", cell: (c) => c.user },
  { label: "State", sort: "state", cell: (c) => state(c.state) },
  { label: "TLS", cell: (c) => (c.ssl ? "yes" : "") },
  { label: "Client", cell: (c) => [at(c, "client_properties", "product"), at(c, "client_properties", "version")].filter((x) => typeof x === "string").join(" ") },
  { label: "Channels", sort: "channels", num: true, cell: (c) => count(c.channels) },
  { label: "From client", sort: "recv_oct_details.rate", num: true, cell: (c) => `${bytes(c.recv_oct_details?.rate ?? 0)}/s` },
  { label: "To client", sort: "send_oct_details.rate", num: true, cell: (c) => `${bytes(c.send_oct_details?.rate ?? 0)}/s` },
];

export function connectionsPage(): Page {
  const v = vhost();
  const list = pagedList<ConnectionRow>({
    path: v === "" ? "connections" : `vhosts/${encodeURIComponent(v)}/connections`,
    columns: CONNECTION_COLUMNS,
    fields: ["name", "user", "vhost", "state", "channels", "protocol", "ssl", "user_provided_name", "client_properties.product", "client_properties.version", "recv_oct_details", "send_oct_details"],
    caption: "Connections",
    noun: "connections",
  });
  return { title: "Connections", el: h("div", null, h("h1", null, v === "" ? "Connections" : `Connections to ${v}`), list.el), refresh: list.refresh };
}

export interface ChannelRow {
  name: string;
  number: number;
  user: string;
  vhost: string;
  state: string;
  confirm: boolean;
  transactional: boolean;
  consumer_count: number;
  prefetch_count: number;
  messages_unacknowledged: number;
  connection_details: { name: string };
  message_stats?: Record<string, unknown>;
}

export const CHANNEL_COLUMNS: Column<ChannelRow>[] = [
  { label: "Channel", sort: "name", cell: (c) => h("a", { href: link("channels", c.name) }, c.name) },
  { label: "Virtual host", sort: "vhost", cell: (c) => c.vhost },
  { label: "User", sort: "user", cell: (c) => c.user },
  { label: "Mode", title: "C: confirms, T: transactional", cell: (c) => [c.confirm ? "C" : "", c.transactional ? "T" : ""].join("") },
  { label: "State", sort: "state", cell: (c) => state(c.state) },
  { label: "Consumers", sort: "consumer_count", num: true, cell: (c) => count(c.consumer_count) },
  { label: "Prefetch", sort: "prefetch_count", num: true, cell: (c) => count(c.prefetch_count) },
  { label: "Unacked", sort: "messages_unacknowledged", num: true, cell: (c) => count(c.messages_unacknowledged) },
  { label: "Publish", sort: "message_stats.publish_details.rate", num: true, cell: (c) => rate(at(c, "message_stats", "publish_details", "rate") ?? 0) },
  { label: "Confirm", sort: "message_stats.confirm_details.rate", num: true, cell: (c) => rate(at(c, "message_stats", "confirm_details", "rate") ?? 0) },
  { label: "Deliver / get", sort: "message_stats.deliver_get_details.rate", num: true, cell: (c) => rate(at(c, "message_stats", "deliver_get_details", "rate") ?? 0) },
  { label: "Ack", sort: "message_stats.ack_details.rate", num: true, cell: (c) => rate(at(c, "message_stats", "ack_details", "rate") ?? 0) },
];

export const CHANNEL_FIELDS = [
  "name",
  "number",
  "user",
  "vhost",
  "state",
  "confirm",
  "transactional",
  "consumer_count",
  "prefetch_count",
  "messages_unacknowledged",
  "connection_details.name",
  "message_stats.publish_details",
  "message_stats.confirm_details",
  "message_stats.deliver_get_details",
  "message_stats.ack_details",
];

export function channelsPage(): Page {
  const v = vhost();
  const list = pagedList<ChannelRow>({
    path: v === "" ? "channels" : `vhosts/${encodeURIComponent(v)}/channels`,
    columns: CHANNEL_COLUMNS,
    fields: CHANNEL_FIELDS,
    caption: "Channels",
    noun: "channels",
  });
  return { title: "Channels", el: h("div", null, h("h1", null, v === "" ? "Channels" : `Channels in ${v}`), list.el), refresh: list.refresh };
}

/**
 * What amqpctl's list_* verbs show: for each, the API path it reads, rabbitmqctl's info keys (the
 * columns one may ask for), its default columns, and how an API item becomes a row under
 * rabbitmqctl's names (`source_name` for a binding's `source`). Process ids (`pid`,
 * `channel_pid`) do not exist here: they show the connection's or channel's name, the id that
 * close_connection takes.
 */
import { seg } from "./client.js";

type Item = Record<string, unknown>;

export interface Listing {
  /** "queues", for "Listing queues for vhost / ...". */
  readonly noun: string;
  /** Scoped to --vhost (queues), or the whole node (connections). */
  readonly perVhost: boolean;
  path(vhost: string): string;
  readonly keys: readonly string[];
  readonly defaults: readonly string[];
  row(item: Item): Item;
  /** Keeps only the items of `vhost`, for a path that lists every vhost's. */
  readonly inVhost?: true;
  /** A column's table cell, where rabbitmqctl does not print JSON (a user's tags: `[administrator]`). */
  readonly cells?: Readonly<Record<string, (value: unknown) => string>>;
}

const words = (s: string): string[] => s.split(" ");
const same = (item: Item): Item => item;
const nameOf = (v: unknown): unknown => (v !== null && typeof v === "object" ? (v as Item).name : undefined);

/** rabbitmqctl shows a parameter's value as JSON text, in the table and in --formatter json alike. */
const valueAsJson = (p: Item): Item => ({ ...p, value: JSON.stringify(p.value) });

export const LISTINGS: Readonly<Record<string, Listing>> = {
  list_queues: {
    noun: "queues",
    perVhost: true,
    path: (vhost) => `queues/${seg(vhost)}`,
    keys: words(
      "arguments auto_delete consumer_capacity consumer_utilisation consumers disk_reads disk_writes durable exclusive exclusive_consumer_pid exclusive_consumer_tag head_message_timestamp leader members memory message_bytes message_bytes_persistent message_bytes_ram message_bytes_ready message_bytes_unacknowledged messages messages_persistent messages_ram messages_ready messages_ready_ram messages_unacknowledged messages_unacknowledged_ram name online owner_pid pid policy slave_pids state synchronised_slave_pids type",
    ),
    defaults: ["name", "messages"],
    row: (q) => ({ ...q, pid: q.name, owner_pid: nameOf(q.owner_pid_details) ?? "", leader: q.node, members: [q.node], online: [q.node] }),
  },
  list_exchanges: {
    noun: "exchanges",
    perVhost: true,
    path: (vhost) => `exchanges/${seg(vhost)}`,
    keys: words("arguments auto_delete durable internal name policy type"),
    defaults: ["name", "type"],
    row: same,
  },
  list_bindings: {
    noun: "bindings",
    perVhost: true,
    path: (vhost) => `bindings/${seg(vhost)}`,
    keys: words("arguments destination_kind destination_name routing_key source_kind source_name"),
    defaults: words("source_name source_kind destination_name destination_kind routing_key arguments"),
    row: (b) => ({ source_name: b.source, source_kind: "exchange", destination_name: b.destination, destination_kind: b.destination_type, routing_key: b.routing_key, arguments: b.arguments }),
  },
  list_connections: {
    noun: "connections",
    perVhost: false,
    path: () => "connections",
    keys: words(
      "auth_mechanism channel_max channels client_properties connected_at frame_max host name peer_cert_issuer peer_cert_subject peer_cert_validity peer_host peer_port pid port protocol recv_cnt recv_oct send_cnt send_oct send_pend ssl ssl_cipher ssl_hash ssl_key_exchange ssl_protocol state timeout user vhost",
    ),
    defaults: words("user peer_host peer_port state"),
    row: (c) => ({ ...c, pid: c.name }),
  },
  list_channels: {
    noun: "channels",
    perVhost: false,
    path: () => "channels",
    keys: words(
      "acks_uncommitted confirm connection consumer_count global_prefetch_count messages_unacknowledged messages_uncommitted messages_unconfirmed name number pid prefetch_count transactional user vhost",
    ),
    defaults: words("pid user consumer_count messages_unacknowledged"),
    row: (ch) => ({ ...ch, pid: ch.name, connection: nameOf(ch.connection_details) }),
  },
  list_consumers: {
    noun: "consumers",
    perVhost: true,
    path: (vhost) => `consumers/${seg(vhost)}`,
    keys: words("ack_required active activity_status arguments channel_pid consumer_tag prefetch_count queue_name"),
    defaults: words("queue_name channel_pid consumer_tag ack_required prefetch_count active arguments"),
    row: (k) => ({ ...k, queue_name: nameOf(k.queue), channel_pid: nameOf(k.channel_details) }),
  },
  list_policies: {
    noun: "policies",
    perVhost: true,
    path: (vhost) => `policies/${seg(vhost)}`,
    keys: words("vhost name pattern apply-to definition priority"),
    defaults: words("vhost name pattern apply-to definition priority"),
    // As rabbitmqctl: the definition is JSON text, in --formatter json too.
    row: (p) => ({ ...p, definition: JSON.stringify(p.definition) }),
  },
  list_users: {
    noun: "users",
    perVhost: false,
    path: () => "users",
    keys: words("user tags"),
    defaults: words("user tags"),
    row: (u) => ({ user: u.name, tags: u.tags }),
    cells: { tags: (tags) => `[${(Array.isArray(tags) ? tags : []).join(", ")}]` },
  },
  list_vhosts: {
    noun: "vhosts",
    perVhost: false,
    path: () => "vhosts",
    keys: words("cluster_state default_queue_type description name tags tracing"),
    defaults: ["name"],
    row: same,
  },
  list_permissions: {
    noun: "permissions",
    perVhost: true,
    path: (vhost) => `vhosts/${seg(vhost)}/permissions`,
    keys: words("user configure write read"),
    defaults: words("user configure write read"),
    row: same,
  },
  list_parameters: {
    noun: "runtime parameters",
    perVhost: true,
    inVhost: true,
    path: () => "parameters",
    keys: words("component name value"),
    defaults: words("component name value"),
    row: valueAsJson,
  },
  list_global_parameters: {
    noun: "global runtime parameters",
    perVhost: false,
    path: () => "global-parameters",
    keys: words("name value"),
    defaults: words("name value"),
    row: valueAsJson,
  },
};

/** rabbitmqctl's first line of a listing ("Listing queues for vhost / ..."). */
export function banner(listing: Listing, vhost: string): string {
  if (listing.noun === "policies") return `Listing policies for vhost "${vhost}" ...`;
  if (listing.noun === "consumers") return `Listing consumers in vhost ${vhost} ...`;
  if (listing.noun === "permissions") return `Listing permissions for vhost "${vhost}" ...`;
  if (listing.noun === "runtime parameters") return `Listing runtime parameters for vhost "${vhost}" ...`;
  return listing.perVhost ? `Listing ${listing.noun} for vhost ${vhost} ...` : `Listing ${listing.noun} ...`;
}

/**
 * What every route works with: the broker, the users, the rate sampler and the node's identity,
 * and the lookups routes share (a vhost or 404, the vhosts a user sees).
 */
import { hostname } from "node:os";
import type { Broker, Vhost } from "@amqp-go/broker";
import { GlobalParameters } from "./global-parameters.js";
import { notFound } from "./http-error.js";
import type { ManagementUsers } from "./management-users.js";
import type { Principal } from "./principal.js";
import { RateSampler } from "./rates.js";
import { sampleBroker } from "./stats-walk.js";

/** RabbitMQ's "2026-01-02 3:04:05" (local time, unpadded hour). */
export function idleSince(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${d.getHours()}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export interface ApiOptions {
  readonly broker: Broker;
  readonly users: ManagementUsers;
  /** The node name shown everywhere RabbitMQ shows `rabbit@host`; default `amqp-go@<hostname>`. */
  readonly nodeName?: string;
  /** The AMQP listeners shown in /api/overview. */
  readonly listeners?: readonly { readonly protocol: string; readonly port: number; readonly ip?: string }[];
  /** The version reported as product_version and rabbitmq_version. */
  readonly version?: string;
  /** How often rates are sampled, ms (RabbitMQ's collect_statistics_interval: 5000). */
  readonly sampleIntervalMs?: number;
  /** The data directory (db_dir in /api/nodes). */
  readonly dataDir?: string;
  /** The node's cluster id, the internal_cluster_id global parameter until one is set (default: made from the node name). */
  readonly clusterId?: string;
}

/** The internal_cluster_id a node starts with when the application gives none. */
const clusterIdOf = (node: string): string => `amqp-go-cluster-id-${node}`;

/** The RabbitMQ version clients are told we answer like (rabbitmqadmin reads it). */
export const RABBITMQ_VERSION = "3.10.8";

export class Api {
  readonly broker: Broker;
  readonly users: ManagementUsers;
  readonly node: string;
  readonly rates: RateSampler;
  readonly startedAt = Date.now();
  /** When the node started, as RabbitMQ writes times (`idle_since`). */
  readonly startedAtText = idleSince(this.startedAt);
  readonly listeners: readonly { readonly protocol: string; readonly port: number; readonly ip?: string }[];
  readonly version: string;
  readonly dataDir: string;
  /** /api/global-parameters, in <dataDir>/global-parameters.json. */
  readonly globalParameters: GlobalParameters;
  /** The port the API listens on, once it does. */
  port = 0;

  constructor(options: ApiOptions) {
    this.broker = options.broker;
    this.users = options.users;
    this.node = options.nodeName ?? `amqp-go@${hostname()}`;
    this.listeners = options.listeners ?? [];
    this.version = options.version ?? RABBITMQ_VERSION;
    this.dataDir = options.dataDir ?? "";
    this.globalParameters = new GlobalParameters(this.dataDir, options.clusterId ?? clusterIdOf(this.node));
    this.rates = new RateSampler((visit) => sampleBroker(this.broker, visit), options.sampleIntervalMs ?? 5000);
  }

  /** The vhost, or 404. */
  vhost(name: string): Vhost {
    const v = this.broker.vhosts.get(name);
    if (v === undefined) throw notFound();
    return v;
  }

  /** The vhosts `p` sees, or only `name` (404 when it does not exist, 401 when `p` may not see it). */
  vhostsFor(p: Principal, name?: string): Vhost[] {
    if (name !== undefined) {
      const v = this.vhost(name);
      p.requireVhost(name);
      return [v];
    }
    return [...this.broker.vhosts.values()].filter((v) => p.sees(v.name));
  }
}

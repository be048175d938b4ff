/**
 * rabbitmq_build_info and rabbitmq_identity_info, as rabbitmq_prometheus writes them. Every query
 * of the RabbitMQ-Overview dashboard joins on rabbitmq_identity_info (its rabbitmq_cluster,
 * rabbitmq_node and, since RabbitMQ 3.13, rabbitmq_endpoint labels), and its node table shows
 * rabbitmq_build_info's versions. The values are ours: amqp-go's version, this package's, prom-client's
 * and Node's.
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { hostname } from "node:os";
import type { Registry } from "prom-client";
import { registerFamily } from "./family.js";

export interface Identity {
  /** rabbitmq_node; default `amqp-go@<hostname>`, the management API's node name. */
  readonly node?: string | undefined;
  /** rabbitmq_cluster; default the node name (RabbitMQ's default cluster name is its node's). */
  readonly cluster?: string | undefined;
  /**
   * rabbitmq_cluster_permanent_id: kept across restarts (the server keeps it in its data
   * directory). Default: `rabbitmq-cluster-id-` and random characters, new for each process.
   */
  readonly clusterPermanentId?: string | undefined;
  /** rabbitmq_version: the server's version (default the broker's `version` option). */
  readonly version?: string | undefined;
}

/** Which endpoint answers: RabbitMQ's rabbitmq_endpoint label of rabbitmq_identity_info. */
export type Endpoint = "aggregated" | "per-object" | "detailed";

const require = createRequire(import.meta.url);
const PLUGIN_VERSION = (require("../package.json") as { version: string }).version;
const CLIENT_VERSION = (require("prom-client/package.json") as { version: string }).version;

export function newClusterId(): string {
  return `rabbitmq-cluster-id-${randomBytes(16).toString("base64url").slice(0, 22)}`;
}

export type ResolvedIdentity = { readonly [K in keyof Identity]-?: string };

export function registerIdentity(registry: Registry, identity: ResolvedIdentity, endpoint: Endpoint): void {
  const build = {
    labels: {
      rabbitmq_version: identity.version,
      prometheus_plugin_version: PLUGIN_VERSION,
      prometheus_client_version: CLIENT_VERSION,
      erlang_version: `node-${process.versions.node}`,
      product_name: "amqp-go",
      product_version: identity.version,
    },
    value: 1,
  };
  registerFamily(registry, "rabbitmq_build_info", "untyped", "RabbitMQ & Erlang/OTP version info", () => [build]);
  const id = {
    labels: {
      rabbitmq_node: identity.node,
      rabbitmq_cluster: identity.cluster,
      rabbitmq_cluster_permanent_id: identity.clusterPermanentId,
      rabbitmq_endpoint: endpoint,
    },
    value: 1,
  };
  registerFamily(registry, "rabbitmq_identity_info", "untyped", "RabbitMQ node & cluster identity info", () => [id]);
}

/** The identity with its defaults filled in. */
export function fullIdentity(identity: Identity, brokerVersion: string): ResolvedIdentity {
  const node = identity.node ?? `amqp-go@${hostname()}`;
  return {
    node,
    cluster: identity.cluster ?? node,
    clusterPermanentId: identity.clusterPermanentId ?? newClusterId(),
    version: identity.version ?? brokerVersion,
  };
}

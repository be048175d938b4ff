/**
 * Everything a broker can be told. Its numeric settings are one table, BROKER_SETTINGS (default,
 * range, doc, RabbitMQ's defaults): `BrokerOptions` and the resolved options are derived from it,
 * and apps/server builds its flags, config keys, AMQP_* variables and --help from the same
 * entries. A new broker setting (a cap, a flow-control bound) is one entry here, read as
 * `broker.options.<name>`; the server exposes it with one line in its own table.
 */
import { bytesOfMemory, type OptionsOf, resolveSettings, type SettingTable } from "@amqp-go/storage";
import { GuestAuthenticator } from "./authenticator.js";
import { diskFreeLimit } from "./disk.js";
import { type Authenticator, type Logger, silentLogger } from "./ports.js";
import type { StorageOptions } from "./store/storage-options.js";

const U16 = 0xffff;
/** setTimeout's largest delay, ms. */
const MAX_TIMER = 0x7fff_ffff;

export const BROKER_SETTINGS = {
  heartbeat: { default: 60, min: 0, max: U16, doc: "Heartbeat proposed in connection.tune, seconds; 0 disables" },
  // 4096 is the spec's frame-min-size; frame-max is a long (u32) in connection.tune.
  frameMax: { default: 131072, min: 4096, max: 0xffff_ffff, doc: "frame_max proposed in connection.tune, octets" },
  channelMax: { default: 2047, min: 1, max: U16, doc: "channel_max proposed in connection.tune" },
  handshakeTimeout: { default: 10_000, min: 1, max: MAX_TIMER, doc: "ms a client has to finish the handshake" },
  maxHandshakingConnections: {
    default: 1000,
    min: 1,
    max: MAX_TIMER,
    doc: "Sockets in the handshake (TLS included) beyond this many are closed as they arrive, so that silent ones cannot lock other clients out",
  },
  handshakeErrorDelay: {
    default: 3000,
    min: 0,
    max: MAX_TIMER,
    doc: "ms after a failed handshake (bad tune-ok, unknown mechanism...) before the socket is dropped, as RabbitMQ",
  },
  // RabbitMQ's ceiling for max_message_size is 512 MiB.
  maxMessageSize: { default: 128 * 1024 * 1024, min: 1, max: 512 * 1024 * 1024, doc: "Largest message body accepted, octets; larger is refused with 406" },
  memoryHighWatermark: {
    default: 0.4,
    min: 2,
    max: Number.MAX_SAFE_INTEGER,
    fractionOfMemory: true,
    doc: "Publishers are blocked above this much message memory: a fraction of total memory (of the cgroup limit when lower), or bytes",
  },
  // Credit flow (queue/flow.ts). RabbitMQ has no such bound: it holds publishers back only while a
  // queue process is busy, and lets a backlog grow to the memory alarm.
  queueFlowBytes: {
    // 4 MiB: 1p1c 256 B saturated, marks of 1-4 MiB gave 450-470k msg/s consumed (p99 63-80 ms),
    // 8 MiB 302k (p99 160 ms): a larger backlog costs the young generation more.
    default: 4 * 1024 * 1024,
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    doc: "A queue with consumers holding more ready message memory than this holds back the connections publishing to it (flow) until it is at half, octets",
  },
  // RabbitMQ 3.10's consumer_timeout default: 30 minutes (its per-queue x-consumer-timeout came in 3.12).
  consumerTimeout: {
    default: 1_800_000,
    min: 0,
    max: MAX_TIMER,
    doc: "ms a delivery may stay unacknowledged before its channel is closed with 406, checked every quarter of it (at most every minute); 0 disables",
  },
  idleQueueFlowBytes: {
    default: 0,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    doc: "The same bound for a queue without consumers, octets; 0: a quarter of the memory high watermark",
  },
  // The disk alarm (disk.ts), RabbitMQ's disk_free_limit: 50 MB by default there too.
  diskFreeLimit: {
    default: 50_000_000,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    doc: "Publishers are blocked while the data directory's file system has less free space than this, octets (RabbitMQ's disk_free_limit.absolute); 0: no disk alarm",
  },
  diskFreeLimitRelative: {
    default: 0,
    min: 0,
    max: 10_000,
    doc: "The same limit as a percentage of total memory (150 is RabbitMQ's disk_free_limit.relative = 1.5); 0: diskFreeLimit applies",
  },
  diskCheckInterval: { default: 1000, min: 1, max: MAX_TIMER, doc: "ms between checks of the free disk space" },
} as const satisfies SettingTable;

export interface BrokerOptions extends OptionsOf<typeof BROKER_SETTINGS> {
  logger?: Logger;
  authenticator?: Authenticator;
  /**
   * Where durable state lives. With it, durable exchanges, queues and bindings survive a restart
   * (`<dataDir>/metadata/definitions.json`); without it the broker keeps everything in memory.
   */
  dataDir?: string;
  /** How messages of durable queues are kept in `dataDir` (STORAGE_SETTINGS of @amqp-go/storage). */
  storage?: StorageOptions;
  /** `product` and `version` in the server properties. */
  product?: string;
  version?: string;
}

/** The options in force: every BROKER_SETTINGS entry filled in, the watermark in bytes. */
export type ResolvedBrokerOptions = { readonly [K in keyof typeof BROKER_SETTINGS]: number } & {
  readonly logger: Logger;
  readonly authenticator: Authenticator;
  readonly product: string;
  readonly version: string;
};

/** Defaults filled in and ranges checked (a RangeError names the option); `memoryHighWatermark` and `diskFreeLimit` in bytes. */
export function resolveBrokerOptions(options: BrokerOptions, totalMemory: number): ResolvedBrokerOptions {
  const settings = resolveSettings(BROKER_SETTINGS, options, "broker");
  const watermark = bytesOfMemory(settings.memoryHighWatermark, totalMemory);
  return {
    ...settings,
    memoryHighWatermark: watermark,
    diskFreeLimit: diskFreeLimit(settings.diskFreeLimit, settings.diskFreeLimitRelative, totalMemory),
    idleQueueFlowBytes: settings.idleQueueFlowBytes === 0 ? Math.floor(watermark / 4) : settings.idleQueueFlowBytes,
    logger: options.logger ?? silentLogger,
    authenticator: options.authenticator ?? new GuestAuthenticator(),
    product: options.product ?? "amqp-go",
    version: options.version ?? "0.1.0",
  };
}

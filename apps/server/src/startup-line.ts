/**
 * The line a started server logs once it serves: `amqp-go <version> ready`, with what an operator
 * checks first: the node version, the pid, the data directory, every listener, and the limits in
 * force (the broker's resolved values: the memory watermark and the disk free limit in bytes).
 */
import { resolve } from "node:path";
import type { ResolvedBrokerOptions } from "@amqp-go/broker";

export interface StartupInfo {
  readonly version: string;
  readonly dataDir: string;
  /** The --config file, if any. */
  readonly configFile: string | undefined;
  /** Listener name ("amqp", "amqps", "metrics", "management") -> address and port; absent ones are off. */
  readonly listeners: Readonly<Record<string, { readonly address: string; readonly port: number } | undefined>>;
  readonly broker: ResolvedBrokerOptions;
}

/** `127.0.0.1:5672`, `[::]:5672`. */
export function hostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

export function startupLine(info: StartupInfo): { readonly fields: Record<string, unknown>; readonly msg: string } {
  const listeners: Record<string, string> = {};
  for (const [name, l] of Object.entries(info.listeners)) if (l !== undefined) listeners[name] = hostPort(l.address, l.port);
  const b = info.broker;
  return {
    msg: `amqp-go ${info.version} ready`,
    fields: {
      version: info.version,
      node: process.version,
      pid: process.pid,
      dataDir: resolve(info.dataDir),
      configFile: info.configFile ?? null,
      listeners,
      limits: {
        frame_max: b.frameMax,
        channel_max: b.channelMax,
        heartbeat: b.heartbeat,
        max_message_size: b.maxMessageSize,
        memory_high_watermark: b.memoryHighWatermark,
        disk_free_limit: b.diskFreeLimit,
        max_handshaking_connections: b.maxHandshakingConnections,
        consumer_timeout: b.consumerTimeout,
      },
    },
  };
}

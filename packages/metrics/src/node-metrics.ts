/**
 * File descriptors of this process, for rabbitmq_process_open_fds and rabbitmq_process_max_fds
 * (from /proc; 0 where there is none), and the alarms (rabbitmq_prometheus's alarm collector).
 */
import { readdirSync, readFileSync } from "node:fs";
import type { Broker } from "@amqp-go/broker";
import type { Registry } from "prom-client";
import { registerValue } from "./family.js";

/** Open file descriptors of this process (the directory's own descriptor not counted). */
export function openFds(): number {
  try {
    return Math.max(0, readdirSync("/proc/self/fd").length - 1);
  } catch {
    return 0;
  }
}

/** The soft limit on open files (ulimit -n), 0 when unknown. */
export function maxFds(): number {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    const n = Number(line?.[1]);
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}

export function registerAlarms(registry: Registry, broker: Broker): void {
  registerValue(registry, "rabbitmq_alarms_memory_used_watermark", "untyped", "is 1 if VM memory watermark alarm is in effect", () => (broker.memory.alarmed ? 1 : 0));
  registerValue(registry, "rabbitmq_alarms_free_disk_space_watermark", "untyped", "is 1 if free disk space watermark alarm is in effect", () =>
    broker.disk?.alarmed === true ? 1 : 0,
  );
}

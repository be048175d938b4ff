import { readFileSync } from "node:fs";
import { Broker } from "@amqp-go/broker";
import { describe, expect, it } from "vitest";
import { brokerRegistry } from "../src/index.js";

const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");

/** Metric names used in a dashboard or rules file (a histogram's _bucket is its name's). */
function metricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/\b((?:rabbitmq|amqpgo|process|nodejs)_[a-z0-9_]+)/g)) names.add(m[1]!.replace(/_bucket$/, ""));
  return names;
}

describe("the Grafana dashboard and the alert rules", () => {
  it("use only metrics the broker exports (storage's fsync histogram comes with @amqp-go/storage)", async () => {
    const exported = new Set((await brokerRegistry(new Broker()).getMetricsAsJSON()).map((m) => m.name));
    const dashboard = JSON.parse(read("../dashboards/amqp-go.json")) as { panels: unknown[] };
    expect(dashboard.panels.length).toBeGreaterThan(8);
    const used = new Set([...metricNames(read("../dashboards/amqp-go.json")), ...metricNames(read("../alerts/amqp-go.rules.yml"))]);
    const missing = [...used].filter((n) => !exported.has(n) && !n.startsWith("amqpgo_storage_"));
    expect(missing).toEqual([]);
  });
});

import { readFileSync } from "node:fs";
import { Broker } from "@amqp-go/broker";
import { describe, expect, it } from "vitest";
import { brokerRegistry } from "../src/index.js";

const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");

/** Metric names used in a dashboard or rules file, as written (a histogram's series with their suffix). */
function metricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/\b((?:rabbitmq|amqpgo|process|nodejs)_[a-z0-9_]+)/g)) names.add(m[1]!);
  return names;
}

describe("the Grafana dashboard and the alert rules", () => {
  it("use only metrics the broker exports, storage's included (a histogram's _bucket, _sum and _count only on a histogram)", async () => {
    const types = new Map((await brokerRegistry(new Broker()).getMetricsAsJSON()).map((m) => [m.name, String(m.type)]));
    const exported = (name: string) => {
      if (types.has(name)) return true;
      const series = /^(.+)_(bucket|sum|count)$/.exec(name);
      return series !== null && types.get(series[1]!) === "histogram";
    };
    const dashboard = JSON.parse(read("../dashboards/amqp-go.json")) as { panels: unknown[] };
    expect(dashboard.panels.length).toBeGreaterThan(8);
    const used = new Set([...metricNames(read("../dashboards/amqp-go.json")), ...metricNames(read("../alerts/amqp-go.rules.yml"))]);
    expect([...used].filter((n) => n.startsWith("amqpgo_storage_")).length).toBeGreaterThan(5);
    expect([...used].filter((n) => !exported(n))).toEqual([]);
  });
});

/**
 * Ours exports a definitions file that RabbitMQ imports whole: the fixture is what RabbitMQ 3.10.8
 * kept (its own export) after our export of this topology was POSTed to it
 * (test/fixtures/record-reimport.mjs), and ours must export the same objects.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, test } from "vitest";
// @ts-expect-error: a plain .mjs module shared with the recorder
import { topology } from "./export-topology.mjs";
import { type Harness, startHarness } from "./helpers.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/rabbitmq-3.10-reimport.json", import.meta.url), "utf8"));

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

type Defs = Record<string, unknown[]>;
const KINDS = ["policies", "queues", "exchanges", "bindings", "parameters"] as const;

/** The objects of a per-vhost export, without the vhost's name, in a stable order. */
function objects(defs: Defs) {
  const key = (o: Record<string, unknown>) => JSON.stringify([o.name, o.source, o.destination, o.routing_key]);
  return Object.fromEntries(
    KINDS.map((kind) => [
      kind,
      (defs[kind] ?? [])
        .map((o) => Object.fromEntries(Object.entries(o as Record<string, unknown>).filter(([k]) => k !== "vhost")))
        .sort((a, b) => (key(a) < key(b) ? -1 : 1)),
    ]),
  );
}

test("RabbitMQ 3.10 imports our export and keeps every object of it", async () => {
  expect(fixture.status).toBe(204);
  for (const [method, path, body] of topology as [string, string, unknown][]) {
    expect((await h.call(method, path.replace("{vhost}", "%2F"), { body })).status).toBe(201);
  }
  const ours = (await h.call("GET", "/api/definitions/%2F")).body as Defs;
  expect(objects(ours)).toEqual(objects(fixture.kept));
  expect(objects(ours).queues).toHaveLength(2);
  expect(objects(ours).bindings).toHaveLength(2);
});

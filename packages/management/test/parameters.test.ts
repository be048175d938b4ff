/**
 * /api/parameters and /api/global-parameters against the answers recorded from RabbitMQ 3.10.8
 * without plugins (fixtures/rabbitmq-3.10-parameters.json, made by
 * fixtures/record-parameters.mjs), replayed in the recorder's order: statuses and bodies equal,
 * the node's own internal_cluster_id aside. Then parameters in definitions: exported, imported,
 * refused with RabbitMQ's reason when their component is absent, and kept in the data directory.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GLOBAL_PARAMETERS_FILE, GlobalParameters } from "../src/global-parameters.js";
import { type Harness, startHarness } from "./helpers.js";

interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly request?: unknown;
  readonly user?: string;
  readonly status: number;
  readonly body: unknown;
}

const USERS: Record<string, string> = { "parameters-pm": "u-policymaker", "parameters-mgmt": "u-management", "parameters-mon": "u-monitoring" };
const fixtures: Record<string, Recorded> = JSON.parse(readFileSync(new URL("./fixtures/rabbitmq-3.10-parameters.json", import.meta.url), "utf8"));

/** The cluster id differs by nature: its value is blanked on both sides; lists RabbitMQ does not sort are sorted by name. */
function normalise(body: unknown, sort: boolean): unknown {
  const blank = (x: unknown) => {
    if (x !== null && typeof x === "object" && (x as { name?: unknown }).name === "internal_cluster_id") return { ...(x as object), value: "<id>" };
    return x;
  };
  if (Array.isArray(body)) {
    const items = body.map(blank);
    return sort ? items.sort((a, b) => String((a as { name: string }).name).localeCompare(String((b as { name: string }).name))) : items;
  }
  if (body !== null && typeof body === "object" && "global_parameters" in body) {
    const d = body as { parameters: unknown; global_parameters: unknown };
    return { parameters: d.parameters, global_parameters: normalise(d.global_parameters, true) };
  }
  return blank(body);
}

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  // What the recorder set up before recording.
  h.broker.setPolicy("/", "parameters-p", { pattern: "^parameters-", definition: { "message-ttl": 1000 }, priority: 1, applyTo: "queues" });
});

afterAll(async () => {
  await h?.close();
});

describe("every recorded parameters call answers as RabbitMQ 3.10.8 did", () => {
  for (const [name, f] of Object.entries(fixtures)) {
    test(name, async () => {
      const user = f.user === undefined ? undefined : USERS[f.user];
      const ours = await h.call(f.method, f.path, { ...(user === undefined ? {} : { user }), ...(f.request === undefined ? {} : { body: f.request }) });
      expect({ name, status: ours.status }).toEqual({ name, status: f.status });
      if (name === "definitions") {
        expect(normalise({ parameters: ours.body.parameters, global_parameters: ours.body.global_parameters }, true)).toEqual(normalise(f.body, true));
        return;
      }
      expect(normalise(ours.body ?? null, false)).toEqual(normalise(f.body, false));
    });
  }
});

describe("parameters in definitions", () => {
  test("global parameters import; a parameter of an absent component is named, as RabbitMQ names it", async () => {
    const defs = {
      global_parameters: [{ name: "cluster_name", value: "east" }, { name: "parameters-x", value: { nested: [1, 2] } }],
      parameters: [{ value: { uri: "amqp://elsewhere" }, vhost: "/", component: "federation-upstream", name: "up" }],
      queues: [{ name: "parameters-imported", vhost: "/", durable: false, auto_delete: false, arguments: {} }],
    };
    const first = await h.call("POST", "/api/definitions", { body: defs });
    expect(first.status).toBe(400);
    expect(first.body).toEqual({ error: "bad_request", reason: "some definitions were not imported: parameter 'up' of component 'federation-upstream' in vhost '/': component federation-upstream not found" });
    // Everything else was applied.
    expect((await h.call("GET", "/api/global-parameters/cluster_name")).body).toEqual({ value: "east", name: "cluster_name" });
    expect((await h.call("GET", "/api/global-parameters/parameters-x")).body).toEqual({ value: { nested: [1, 2] }, name: "parameters-x" });
    expect((await h.call("GET", "/api/queues/%2F/parameters-imported")).status).toBe(200);

    const exported = (await h.call("GET", "/api/definitions")).body as { global_parameters: { name: string }[]; parameters: unknown[] };
    expect(exported.parameters).toEqual([]);
    expect(exported.global_parameters).toEqual(expect.arrayContaining([{ name: "cluster_name", value: "east" }, { name: "parameters-x", value: { nested: [1, 2] } }]));
    // Importing the export again changes nothing and refuses nothing.
    expect((await h.call("POST", "/api/definitions", { body: exported })).status).toBe(204);
    expect((await h.call("GET", "/api/definitions")).body).toEqual(exported);
  });

  test("are kept in <data-dir>/global-parameters.json, read by every holder of the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "global-parameters-"));
    const a = new GlobalParameters(dir, "id-a");
    const b = new GlobalParameters(dir, "id-a");
    expect(a.list()).toEqual([{ name: "internal_cluster_id", value: "id-a" }]);
    expect(existsSync(join(dir, GLOBAL_PARAMETERS_FILE))).toBe(false);
    expect(a.set("cluster_name", "west")).toBe(true);
    expect(b.get("cluster_name")).toEqual({ name: "cluster_name", value: "west" });
    expect(b.set("cluster_name", "north")).toBe(false);
    expect(a.delete("cluster_name")).toBe(true);
    expect(a.delete("cluster_name")).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, GLOBAL_PARAMETERS_FILE), "utf8"))).toEqual([{ name: "internal_cluster_id", value: "id-a" }]);
  });
});

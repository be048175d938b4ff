/** The three endpoints: /metrics/detailed's families and vhosts, per-object /metrics, the text written. */
import { Broker } from "@amqp-go/broker";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exposition } from "../src/family.js";
import { brokerEndpoints, brokerRegistry, type MetricsServer, startMetricsServer } from "../src/index.js";

let broker: Broker;
let metrics: MetricsServer;
let url: string;
let connection: amqp.ChannelModel;

beforeAll(async () => {
  broker = new Broker({ heartbeat: 0 });
  const { port } = await broker.listen({ port: 0, host: "127.0.0.1" });
  url = `amqp://guest:guest@127.0.0.1:${port}`;
  metrics = await startMetricsServer({ registry: brokerEndpoints(broker), port: 0, host: "127.0.0.1" });
  // a queue "work" of 8 messages, no consumer
  connection = await amqp.connect(url);
  const ch = await connection.createConfirmChannel();
  await ch.assertQueue("work", { durable: false });
  for (let i = 0; i < 8; i++) ch.sendToQueue("work", Buffer.alloc(10));
  await ch.waitForConfirms();
});
afterAll(async () => {
  await connection.close();
  await metrics.close();
  await broker.close();
});

const get = (path: string) => fetch(`http://127.0.0.1:${metrics.port}${path}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The value of one sample of an endpoint, e.g. `rabbitmq_queue_messages_ready{vhost="/",queue="q"}`. */
async function scrape(path: string): Promise<(sample: string) => number | undefined> {
  const samples = new Map<string, number>();
  for (const line of (await (await get(path)).text()).split("\n")) {
    if (line.startsWith("#") || line === "") continue;
    const i = line.lastIndexOf(" ");
    samples.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return (sample) => samples.get(sample);
}

describe("the endpoints", () => {
  it("/metrics/detailed gives the families asked for, in the vhosts asked for, as rabbitmq_detailed_* and rabbitmq_cluster_*", async () => {
    broker.addVhost("detailed-v");
    const c = await amqp.connect(`${url}/detailed-v`);
    const ch = await c.createChannel();
    await ch.assertQueue("dq");
    ch.sendToQueue("dq", Buffer.from("x"));
    await sleep(50);
    const d = await scrape("/metrics/detailed?family=queue_coarse_metrics&family=exchange_bindings&vhost=detailed-v");
    expect(d('rabbitmq_detailed_queue_messages_ready{vhost="detailed-v",queue="dq"}')).toBe(1);
    expect(d('rabbitmq_detailed_queue_messages_ready{vhost="/",queue="work"}')).toBeUndefined();
    expect(d('rabbitmq_detailed_queue_consumers{vhost="detailed-v",queue="dq"}')).toBeUndefined();
    expect(d('rabbitmq_cluster_exchange_bindings{vhost="detailed-v",exchange="amq.direct",type="direct"}')).toBe(0);
    // the exchange and vhost groups are cluster-wide: vhost= does not filter them (RabbitMQ 3.10.8 neither)
    expect(d('rabbitmq_cluster_exchange_bindings{vhost="/",exchange="amq.direct",type="direct"}')).toBe(0);
    expect(d("rabbitmq_detailed_connections_opened_total")).toBeUndefined();
    const all = await scrape("/metrics/detailed?family=queue_consumer_count&family=connection_churn_metrics&family=vhost_status");
    expect(all('rabbitmq_detailed_queue_consumers{vhost="/",queue="work"}')).toBe(0);
    expect(all('rabbitmq_detailed_queue_consumers{vhost="detailed-v",queue="dq"}')).toBe(0);
    expect(all("rabbitmq_detailed_connections_opened_total")).toBeGreaterThanOrEqual(2);
    expect(all('rabbitmq_cluster_vhost_status{vhost="detailed-v"}')).toBe(1);
    // nothing asked: the identity only, as RabbitMQ
    const none = await (await get("/metrics/detailed")).text();
    expect(none.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map((l) => l.split("{")[0])).toEqual(["rabbitmq_build_info", "rabbitmq_identity_info"]);
    expect(none).toContain('rabbitmq_endpoint="detailed"');
    await ch.deleteQueue("dq");
    await c.close();
  });

  it("writes what prom-client would write, label values escaped (a queue name with a quote, a backslash and a newline)", async () => {
    const c = await amqp.connect(url);
    const ch = await c.createChannel();
    const odd = 'odd "q" \\ \n end';
    await ch.assertQueue(odd);
    const registry = brokerEndpoints(broker, { defaultMetrics: false }).perObject;
    const volatile = /^rabbitmq_(process_|erlang_uptime|disk_space)/;
    const lines = (text: string) => text.split("\n").filter((l) => !volatile.test(l));
    expect(lines(await exposition(registry))).toEqual(lines(await registry.metrics()));
    expect(await exposition(registry)).toContain('rabbitmq_queue_messages_ready{vhost="/",queue="odd \\"q\\" \\\\ \\n end"} 0');
    await ch.deleteQueue(odd);
    await c.close();
  });

  it("/metrics is per object with perObject (RabbitMQ's return_per_object_metrics); a registry alone serves /metrics only", async () => {
    const perObject = brokerEndpoints(broker, { perObject: true, defaultMetrics: false });
    const text = await perObject.metrics.metrics();
    expect(text).toContain('rabbitmq_queue_messages_ready{vhost="/",queue="work"} 8');
    expect(text).toContain('rabbitmq_endpoint="per-object"');
    const m = await startMetricsServer({ registry: brokerRegistry(broker, { defaultMetrics: false }), port: 0, host: "127.0.0.1" });
    try {
      const aggregated = await (await fetch(`http://127.0.0.1:${m.port}/metrics`)).text();
      expect(aggregated).toContain("rabbitmq_queue_messages_ready 8");
      expect(aggregated).toContain('rabbitmq_endpoint="aggregated"');
      expect((await fetch(`http://127.0.0.1:${m.port}/metrics/per-object`)).status).toBe(404);
    } finally {
      await m.close();
    }
  });
});

/**
 * The HTTP endpoint: GET /metrics, /metrics/per-object and /metrics/detailed?family=F&vhost=V
 * (Prometheus text format, as RabbitMQ's rabbitmq_prometheus serves them), /healthz (the process
 * is up) and /readyz (listeners open and storage recovered: the application calls `ready()`),
 * each JSON but the metrics.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { MetricsEndpoints } from "./broker-metrics.js";
import { expositionBytes } from "./family.js";

export interface MetricsServerOptions {
  /** The three endpoints (brokerEndpoints), or one registry served on /metrics only. */
  readonly registry: Registry | MetricsEndpoints;
  /** 15692, as RabbitMQ's Prometheus plugin; 0 picks a free port. */
  readonly port: number;
  readonly host?: string | undefined;
}

export interface MetricsServer {
  readonly port: number;
  /** /readyz answers 200 from now on. */
  ready(): void;
  close(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  let isReady = false;
  const started = Date.now();
  const json = (res: ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const endpoints: MetricsEndpoints | null = "perObject" in options.registry ? options.registry : null;
  const scrape = (res: ServerResponse, registry: Registry): void => {
    expositionBytes(registry).then(
      (bytes) => {
        res.writeHead(200, { "content-type": registry.contentType, "content-length": bytes.length });
        res.end(bytes);
      },
      (err: Error) => json(res, 500, { error: err.message }),
    );
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method !== "GET" && req.method !== "HEAD") return json(res, 405, { error: "method not allowed" });
    switch (url.pathname) {
      case "/metrics":
        return scrape(res, endpoints?.metrics ?? (options.registry as Registry));
      case "/metrics/per-object":
        if (endpoints === null) break;
        return scrape(res, endpoints.perObject);
      case "/metrics/detailed":
        if (endpoints === null) break;
        return scrape(res, endpoints.detailed(url.searchParams.getAll("family"), url.searchParams.getAll("vhost")));
      case "/healthz":
        return json(res, 200, { status: "ok", uptimeSeconds: Math.round((Date.now() - started) / 1000) });
      case "/readyz":
        return json(res, isReady ? 200 : 503, { status: isReady ? "ready" : "starting" });
    }
    const paths = endpoints === null ? ["/metrics"] : ["/metrics", "/metrics/per-object", "/metrics/detailed"];
    return json(res, 404, { error: "not found", endpoints: [...paths, "/healthz", "/readyz"] });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : options.port,
    ready() {
      isReady = true;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The HTTP endpoint: GET /metrics (Prometheus text format), /healthz (the process is up) and
 * /readyz (listeners open and storage recovered: the application calls `ready()`), each JSON but
 * /metrics.
 */
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface MetricsServerOptions {
  readonly registry: Registry;
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
  const json = (res: import("node:http").ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return json(res, 405, { error: "method not allowed" });
    switch (path) {
      case "/metrics":
        options.registry.metrics().then(
          (text) => {
            res.writeHead(200, { "content-type": options.registry.contentType });
            res.end(text);
          },
          (err: Error) => json(res, 500, { error: err.message }),
        );
        return;
      case "/healthz":
        return json(res, 200, { status: "ok", uptimeSeconds: Math.round((Date.now() - started) / 1000) });
      case "/readyz":
        return json(res, isReady ? 200 : 503, { status: isReady ? "ready" : "starting" });
      default:
        return json(res, 404, { error: "not found", endpoints: ["/metrics", "/healthz", "/readyz"] });
    }
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

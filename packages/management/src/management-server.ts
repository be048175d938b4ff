/**
 * The management HTTP API on node:http: routing, HTTP basic auth against the broker's users, JSON
 * bodies and RabbitMQ's error answers. Checks run in cowboy_rest's order, as RabbitMQ's do: an
 * unknown path is 404 and a known path with another method 405 before credentials are looked at;
 * then 401 for a failed login or missing tags; then the route (400, 404, ...).
 *
 * node:http rather than a framework: about twenty routes of fixed shape need a path matcher and a
 * JSON reader, both a few lines here, and no dependency is worth its weight for that.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "@amqp-go/broker";
import { silentLogger } from "@amqp-go/broker";
import { Api, type ApiOptions } from "./api.js";
import { badRequest, HttpError, loginFailed, notFound, REALM } from "./http-error.js";
import { Principal } from "./principal.js";
import type { ApiResponse, Route } from "./route.js";
import { ROUTES } from "./routes/index.js";
import { loadUiAssets, type UiAsset } from "./ui-assets.js";

export interface ManagementOptions extends ApiOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string | undefined;
  readonly logger?: Logger;
  /** Largest request body accepted (definitions imports are the big ones); default 64 MiB. */
  readonly maxBodyBytes?: number;
  /** The web UI's built files (@amqp-go/management-ui's by default); `null` serves no UI. */
  readonly uiRoot?: string | null;
}

interface CompiledRoute {
  readonly route: Route;
  readonly segments: readonly string[];
}

const compiled: CompiledRoute[] = ROUTES.map((route) => ({ route, segments: route.path.split("/") }));

/** The routes whose pattern fits `parts`, and their parameters. */
function match(parts: readonly string[]): { route: Route; params: Record<string, string> }[] {
  const out: { route: Route; params: Record<string, string> }[] = [];
  for (const c of compiled) {
    if (c.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let fits = true;
    for (let i = 0; i < parts.length; i++) {
      const s = c.segments[i]!;
      if (s.startsWith(":")) params[s.slice(1)] = parts[i]!;
      else if (s !== parts[i]) {
        fits = false;
        break;
      }
    }
    if (fits) out.push({ route: c.route, params });
  }
  return out;
}

export class ManagementServer {
  readonly api: Api;
  private readonly server: Server;
  private readonly log: Logger;
  private readonly maxBody: number;
  private readonly ui: Map<string, UiAsset>;

  private constructor(private readonly options: ManagementOptions) {
    this.api = new Api(options);
    this.ui = options.uiRoot === null ? new Map() : loadUiAssets(options.uiRoot);
    this.log = options.logger ?? silentLogger;
    this.maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024;
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((err: unknown) => {
        this.log.error({ err: (err as Error).message, url: req.url }, "management request failed");
        if (!res.headersSent) this.send(res, { status: 500, body: { error: "internal_error", reason: String((err as Error).message) } });
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  /** Starts listening; resolves once bound. */
  static async start(options: ManagementOptions): Promise<ManagementServer> {
    const m = new ManagementServer(options);
    await new Promise<void>((resolve, reject) => {
      m.server.once("error", reject);
      m.server.listen(options.port, options.host, () => {
        m.server.off("error", reject);
        resolve();
      });
    });
    const a = m.server.address();
    m.api.port = a !== null && typeof a === "object" ? a.port : options.port;
    m.api.rates.start();
    return m;
  }

  get port(): number {
    return this.api.port;
  }

  async close(): Promise<void> {
    this.api.rates.stop();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.serveUi(req, res)) return;
    let answer: ApiResponse;
    try {
      answer = await this.dispatch(req);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      answer = { status: err.status, body: err.error === "" ? undefined : err.body, headers: err.headers };
    }
    // What a write changed of the durable definitions (a declare, a bind, a delete; part of a
    // definitions import that failed later) is on disk before the answer goes out, as for a
    // declare-ok over AMQP (Connection.flush): the journal is synced now, not at the next turn.
    if (req.method !== "GET") this.api.broker.syncDefinitions();
    this.send(res, answer);
  }

  private async dispatch(req: IncomingMessage): Promise<ApiResponse> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const raw = url.pathname.split("/").filter((s, i) => i > 0 && !(s === "" && i > 1));
    if (raw[0] !== "api") throw notFound();
    let parts: string[];
    try {
      parts = raw.slice(1).map((s) => decodeURIComponent(s));
    } catch {
      throw notFound();
    }
    const candidates = match(parts);
    if (candidates.length === 0) throw notFound();
    const method = req.method ?? "GET";
    const found = candidates.find((c) => c.route.method === method || (method === "HEAD" && c.route.method === "GET"));
    if (found === undefined) return { status: 405, headers: { allow: [...new Set(candidates.map((c) => c.route.method))].join(", ") } };
    if (method !== "GET" && method !== "HEAD") refuseCrossOrigin(req);
    const principal = await this.authenticate(req);
    principal.require(found.route.access);
    const body = method === "PUT" || method === "POST" || method === "DELETE" ? await this.readBody(req) : {};
    return found.route.handle({ api: this.api, principal, params: found.params, query: url.searchParams, body, headers: req.headers });
  }

  /** HTTP basic against the broker's users: wrong or missing credentials are 401 with the realm. */
  private async authenticate(req: IncomingMessage): Promise<Principal> {
    const header = req.headers.authorization;
    // a page's own requests (X-Requested-With) get no WWW-Authenticate, so the browser shows no
    // login dialog of its own over the UI's login form (RabbitMQ does the same without credentials)
    const script = req.headers["x-requested-with"] !== undefined;
    if (header === undefined) throw new HttpError(401, "", undefined, script ? {} : { "www-authenticate": REALM });
    // a header cowboy cannot parse is 400, with no body
    const m = /^Basic\s+(\S+)$/i.exec(header);
    if (m === null) throw new HttpError(400, "", undefined);
    const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw loginFailed();
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const auth = this.api.users.authenticator;
    const result = await auth.authenticate({
      mechanism: "PLAIN",
      response: Buffer.from(`\0${user}\0${password}`, "utf8"),
      remoteAddress: req.socket.remoteAddress ?? "",
    });
    if (!result.ok) {
      this.log.info({ user, reason: result.reason, remote: req.socket.remoteAddress }, "management login refused");
      const refused = loginFailed();
      throw script ? new HttpError(refused.status, refused.error, refused.reason) : refused;
    }
    const db = auth.db;
    return new Principal(result.user, db.users.get(result.user)?.tags ?? [], db);
  }

  /** Serves a file of the web UI for GET/HEAD of a path outside /api; false when it is not one. */
  private serveUi(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const path = (req.url ?? "/").split("?")[0]!;
    const asset = this.ui.get(path);
    if (asset === undefined) return false;
    const gzip = asset.gzip !== null && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    const body = gzip ? asset.gzip! : asset.body;
    res.writeHead(200, { ...asset.headers, vary: "accept-encoding", "content-length": body.length, ...(gzip ? { "content-encoding": "gzip" } : {}) });
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  }

  private async readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > this.maxBody) throw new HttpError(413, "payload_too_large", `body larger than ${this.maxBody} bytes`);
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    if (text.trim() === "") return {};
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw badRequest("not_json");
    }
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      const kind = json === null ? "null" : Array.isArray(json) ? "an array" : `a ${typeof json}`;
      throw badRequest(`invalid payload: the request body JSON-decoded to ${kind}. Is the input doubly-JSON-encoded?`);
    }
    return json as Record<string, unknown>;
  }

  private send(res: ServerResponse, r: ApiResponse): void {
    const headers: Record<string, string> = { "cache-control": "no-cache", vary: "accept, accept-encoding, origin", ...r.headers };
    if (r.json !== undefined) {
      res.writeHead(r.status, { ...headers, "content-type": "application/json", "content-length": r.json.length });
      res.end(r.json);
      return;
    }
    if (r.body === undefined) {
      res.writeHead(r.status, { ...headers, "content-length": 0 });
      res.end();
      return;
    }
    const text = JSON.stringify(r.body);
    res.writeHead(r.status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }
}

/**
 * Refuses (403) a state-changing request that a browser sends for another site's page: a form
 * posted cross-site, or a script's fetch from another origin. Browsers say so in `Sec-Fetch-Site`
 * and `Origin`; tools such as curl and rabbitmqadmin send neither and are not affected (RabbitMQ
 * accepts any content type, so refusing form bodies outright would break `curl -d` scripts).
 */
function refuseCrossOrigin(req: IncomingMessage): void {
  const site = req.headers["sec-fetch-site"];
  const origin = req.headers.origin;
  const foreign =
    (site !== undefined && site !== "same-origin" && site !== "none") ||
    (origin !== undefined && (origin === "null" || hostOf(origin) !== (req.headers.host ?? "").toLowerCase()));
  if (foreign) throw new HttpError(403, "forbidden", "Cross-origin request refused: send it from the management UI's own origin");
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

/** Starts the management API: `(await startManagementServer({ broker, users, port: 15672 })).port`. */
export function startManagementServer(options: ManagementOptions): Promise<ManagementServer> {
  return ManagementServer.start(options);
}

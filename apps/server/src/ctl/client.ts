/**
 * amqpctl's HTTP client for the management API: basic auth, JSON in and out, and every failure
 * turned into a CtlError with one line to print and rabbitmqctl's exit code (sysexits: 69 when the
 * server is unreachable or answers that an object is missing or invalid, 77 when it refuses the
 * credentials or the user, 64 for a bad command line). Node's fetch; no dependency.
 */

/** A failure amqpctl reports in one line, exiting with `exitCode`. */
export class CtlError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** sysexits.h, as rabbitmqctl uses them. */
export const EX_USAGE = 64;
export const EX_DATAERR = 65;
export const EX_UNAVAILABLE = 69;
export const EX_NOPERM = 77;

export interface Endpoint {
  /** The management API's base URL, `http://127.0.0.1:15672`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** How long to wait for an answer, ms (rabbitmqctl's --timeout: 60 s). */
  readonly timeoutMs?: number;
}

/** `reason` of a RabbitMQ error body, which is a string or a JSON value. */
function reasonOf(body: unknown, fallback: string): string {
  if (body !== null && typeof body === "object" && "reason" in body) {
    const reason = (body as { reason: unknown }).reason;
    const text = typeof reason === "string" ? reason : JSON.stringify(reason);
    // "Validation failed\n\nno policy provided\n" reads as one line: "Validation failed: no policy provided".
    // The API HTML-escapes some reasons (policies'); a terminal wants them as they were.
    const plain = text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    return plain.trim().split(/\n+/).join(": ");
  }
  return fallback;
}

export class ManagementClient {
  private readonly authorization: string;

  constructor(readonly endpoint: Endpoint) {
    this.authorization = `Basic ${Buffer.from(`${endpoint.username}:${endpoint.password}`).toString("base64")}`;
  }

  /** Sends one request; the parsed JSON answer (null for 201/204). Throws a CtlError. */
  async call(method: "GET" | "PUT" | "POST" | "DELETE", path: string, body?: unknown, headers: Record<string, string> = {}): Promise<unknown> {
    const url = `${this.endpoint.url.replace(/\/+$/, "")}/api/${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: this.authorization, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.endpoint.timeoutMs ?? 60_000),
      });
    } catch (err) {
      if ((err as Error).name === "TimeoutError") {
        throw new CtlError(`no answer from the management API at ${this.endpoint.url} within ${(this.endpoint.timeoutMs ?? 60_000) / 1000} s`, EX_UNAVAILABLE);
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new CtlError(`cannot reach the management API at ${this.endpoint.url} (${why}); is the server running with --management-port?`, EX_UNAVAILABLE);
    }
    const text = await res.text();
    let json: unknown = null;
    if (text !== "") {
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
    }
    if (res.ok) return json;
    const reason = reasonOf(json, res.statusText);
    if (res.status === 401 && reason === "Login failed") throw new CtlError(`login failed for user '${this.endpoint.username}' at ${this.endpoint.url} (401)`, EX_NOPERM);
    if (res.status === 401 || res.status === 403) throw new CtlError(`${reason} (${res.status})`, EX_NOPERM);
    throw new CtlError(`${reason} (${res.status})`, EX_UNAVAILABLE);
  }
}

/** A path segment: `/` is `%2F`, as the API wants vhosts and names. */
export const seg = (s: string): string => encodeURIComponent(s);

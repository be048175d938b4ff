/** A route of the API: method, path pattern, the tag it needs, and its handler. */
import type { Api } from "./api.js";
import { listResponse } from "./paging.js";
import type { Access, Principal } from "./principal.js";

export interface ApiRequest {
  readonly api: Api;
  readonly principal: Principal;
  /** The path's `:name` segments, URL-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The JSON body (an object; `{}` when there was none). */
  readonly body: Record<string, unknown>;
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface ApiResponse {
  readonly status: number;
  readonly body?: unknown;
  /** The body already serialised to JSON (json-list.ts), sent as it is instead of `body`. */
  readonly json?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Route {
  readonly method: "GET" | "PUT" | "POST" | "DELETE";
  /** Segments after `/api/`, `:name` for a parameter: `queues/:vhost/:name`. */
  readonly path: string;
  readonly access: Access;
  handle(req: ApiRequest): ApiResponse | Promise<ApiResponse>;
}

export const ok = (body: unknown): ApiResponse => ({ status: 200, body });
export const created = (headers?: Record<string, string>): ApiResponse => ({ status: 201, ...(headers ? { headers } : {}) });
export const noContent = (): ApiResponse => ({ status: 204 });

/** A JSON body already serialised. */
export const okJson = (json: Buffer): ApiResponse => ({ status: 200, json });

/** A list, sorted, paged and cut to columns as the query asks (paging.ts). */
export const list = (items: Record<string, unknown>[], req: ApiRequest): ApiResponse => ok(listResponse(items, req.query));

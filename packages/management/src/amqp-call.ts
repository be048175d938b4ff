/**
 * What the API does in a vhost goes through the broker's own checks; their AMQP errors become
 * RabbitMQ's HTTP answers: 403 -> 401 "Access refused.", 404 -> 404 `not_found` with the reply
 * text, anything else (406 inequivalent, 405 locked, 503 unknown type...) -> 400 `bad_request`.
 */
import { AmqpError, type Permission } from "@amqp-go/broker";
import { ACCESS_REFUSED, badRequest, HttpError, notAuthorised } from "./http-error.js";
import type { ApiRequest } from "./route.js";

export function amqpCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw httpErrorOf(err);
  }
}

export function httpErrorOf(err: unknown): unknown {
  if (!(err instanceof AmqpError)) return err;
  if (err.replyCode === 403) return notAuthorised(ACCESS_REFUSED);
  if (err.replyCode === 404) return new HttpError(404, "not_found", err.replyText);
  return badRequest(err.message);
}

/** Throws 401 "Access refused." unless the caller has `permission` on the named queue or exchange. */
export function permit(req: ApiRequest, vhost: string, permission: Permission, kind: "queue" | "exchange", name: string): void {
  const auth = req.api.users.authenticator;
  const resource = kind === "exchange" && name === "" ? "amq.default" : name;
  if (!auth.checkPermission(req.principal.name, vhost, permission, { kind, name: resource })) throw notAuthorised(ACCESS_REFUSED);
}

/** The default exchange is `amq.default` in URLs. */
export const exchangeName = (urlName: string): string => (urlName === "amq.default" ? "" : urlName);

/** A boolean field of a request body, or 400 as RabbitMQ words it. */
export function bool(body: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = body[key];
  if (v === undefined) return fallback;
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  throw badRequest(["not_boolean", String(v)]);
}

/**
 * Errors answered as RabbitMQ's management plugin answers them: a status and a JSON body
 * `{"error": ..., "reason": ...}` (rabbit_mgmt_util:halt_response). RabbitMQ 3.10 answers a tag or
 * vhost refusal with 401 too (not 403), and so do we.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: unknown,
    /** Extra response headers (WWW-Authenticate on a failed login). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(typeof reason === "string" ? reason : JSON.stringify(reason));
  }

  get body(): { error: string; reason: unknown } {
    return { error: this.error, reason: this.reason };
  }
}

export const REALM = 'Basic realm="RabbitMQ Management"';

/** 404 for any object (or route) that is not there. */
export const notFound = (): HttpError => new HttpError(404, "Object Not Found", "Not Found");

/** 400 with RabbitMQ's `bad_request` error. */
export const badRequest = (reason: unknown): HttpError => new HttpError(400, "bad_request", reason);

/** 401: wrong credentials (note RabbitMQ's spelling, "not_authorized", here only). */
export const loginFailed = (): HttpError => new HttpError(401, "not_authorized", "Login failed", { "www-authenticate": REALM });

/** 401: logged in, but the user's tags or permissions do not allow it ("not_authorised"). */
export const notAuthorised = (reason: string): HttpError => new HttpError(401, "not_authorised", reason);

export const NOT_MANAGEMENT = "Not management user";
export const NOT_MONITOR = "Not monitor user";
export const NOT_ADMIN = "Not administrator user";
export const NOT_POLICYMAKER = "Not policymaker user";
export const VHOST_REFUSED = "User not authorised to access virtual host";
export const ACCESS_REFUSED = "Access refused.";

/**
 * The management HTTP API, as the pages call it: HTTP basic credentials kept in sessionStorage
 * (gone when the tab closes), JSON bodies with a JSON content type, and `X-Requested-With`, so that
 * the server answers a refused login without the browser's own login dialog.
 */
const KEY = "amqp-go.credentials";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

function base64(text: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function setCredentials(user: string, password: string): void {
  sessionStorage.setItem(KEY, base64(`${user}:${password}`));
}

export function clearCredentials(): void {
  sessionStorage.removeItem(KEY);
}

export const hasCredentials = (): boolean => sessionStorage.getItem(KEY) !== null;

/** Called when the server refuses the stored credentials (the app goes back to the login form). */
let onLoginFailed: () => void = () => {};
export function whenLoginFails(fn: () => void): void {
  onLoginFailed = fn;
}

export async function request<T = unknown>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { ...extra, "x-requested-with": "XMLHttpRequest", accept: "application/json" };
  const auth = sessionStorage.getItem(KEY);
  if (auth !== null) headers.authorization = `Basic ${auth}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`api/${path}`, {
    method,
    headers,
    credentials: "omit",
    cache: "no-store",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = text;
  }
  if (!res.ok) {
    const reason = json !== null && typeof json === "object" && "reason" in json ? String((json as { reason: unknown }).reason) : res.statusText;
    if (res.status === 401 && reason === "Login failed") onLoginFailed();
    throw new ApiError(res.status, reason);
  }
  return json as T;
}

export const get = <T = unknown>(path: string): Promise<T> => request<T>("GET", path);

/** A path segment: `/` is `%2F`, as the API wants vhost names. */
export const seg = (s: string): string => encodeURIComponent(s);

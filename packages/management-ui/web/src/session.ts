/** Who is logged in (name and tags from /api/whoami), the chosen vhost and the refresh period. */
export interface Session {
  readonly name: string;
  readonly tags: readonly string[];
}

let current: Session | null = null;

export const session = (): Session | null => current;
export function setSession(s: Session | null): void {
  current = s;
}

/** RabbitMQ's tags as capabilities: administrator implies the others, as the API enforces. */
export function can(what: "administrator" | "monitoring" | "policymaker"): boolean {
  const tags = current?.tags ?? [];
  if (tags.includes("administrator")) return true;
  return tags.includes(what);
}

const VHOST = "amqp-go.vhost";
const REFRESH = "amqp-go.refresh";

/** The vhost the lists show, or "" for all. */
export const vhost = (): string => localStorage.getItem(VHOST) ?? "";
export function setVhost(v: string): void {
  localStorage.setItem(VHOST, v);
}

/** Seconds between refreshes; 0 pauses. */
export function refreshSeconds(): number {
  const n = Number(localStorage.getItem(REFRESH) ?? "5");
  return Number.isFinite(n) && n >= 0 ? n : 5;
}
export function setRefreshSeconds(n: number): void {
  localStorage.setItem(REFRESH, String(n));
}

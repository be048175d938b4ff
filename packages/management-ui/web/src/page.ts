/** What a page is to the app: its element, a refresh that fetches and redraws, and a dispose. */
export interface Page {
  readonly title: string;
  readonly el: HTMLElement;
  /** Fetches and redraws; called on open and at every refresh tick. */
  refresh(): Promise<void>;
  dispose?(): void;
}

/** Opens another page (`#/queues/%2F/orders`). */
export function go(hash: string): void {
  location.hash = hash;
}

/** `#/queues/{vhost}/{name}`, segments encoded. */
export const link = (...parts: string[]): string => `#/${parts.map((p) => encodeURIComponent(p)).join("/")}`;

/** Dispatched on window when vhosts were added or deleted (the header's selector reloads). */
export const VHOSTS_CHANGED = "amqp-go:vhosts";

/** The vhost part of a list URL: `queues` or `queues/%2F`. */
export const inVhost = (collection: string, vhost: string): string => (vhost === "" ? collection : `${collection}/${encodeURIComponent(vhost)}`);

/** Hash routes (`#/queues/%2F/orders`) to pages; `needs` is the tag a page asks for. */
import type { Page } from "./page.js";
import { overviewPage } from "./pages/overview.js";
import { queuePage } from "./pages/queue.js";
import { queuesPage } from "./pages/queues.js";

export interface PageRoute {
  readonly pattern: RegExp;
  readonly open: (params: string[]) => Page;
  readonly needs?: "administrator" | "policymaker" | "monitoring";
}

const SEG = "([^/]+)";

export const ROUTES: readonly PageRoute[] = [
  { pattern: /^\/$/, open: overviewPage },
  { pattern: /^\/queues$/, open: queuesPage },
  { pattern: new RegExp(`^/queues/${SEG}/${SEG}$`), open: queuePage },
];

/** Hash routes (`#/queues/%2F/orders`) to pages; `needs` is the tag a page asks for. */
import type { Page } from "./page.js";
import { definitionsPage } from "./pages/admin-definitions.js";
import { operatorPoliciesPage, policiesPage } from "./pages/admin-policies.js";
import { usersPage } from "./pages/admin-users.js";
import { vhostsPage } from "./pages/admin-vhosts.js";
import { channelPage } from "./pages/channel.js";
import { connectionPage } from "./pages/connection.js";
import { channelsPage, connectionsPage } from "./pages/connections.js";
import { exchangePage } from "./pages/exchange.js";
import { exchangesPage } from "./pages/exchanges.js";
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
  { pattern: /^\/connections$/, open: connectionsPage },
  { pattern: new RegExp(`^/connections/${SEG}$`), open: connectionPage },
  { pattern: /^\/channels$/, open: channelsPage },
  { pattern: new RegExp(`^/channels/${SEG}$`), open: channelPage },
  { pattern: /^\/exchanges$/, open: exchangesPage },
  { pattern: new RegExp(`^/exchanges/${SEG}/${SEG}$`), open: exchangePage },
  { pattern: /^\/queues$/, open: queuesPage },
  { pattern: new RegExp(`^/queues/${SEG}/${SEG}$`), open: queuePage },
  { pattern: /^\/admin\/users$/, open: usersPage, needs: "administrator" },
  { pattern: /^\/admin\/vhosts$/, open: vhostsPage, needs: "administrator" },
  { pattern: /^\/admin\/policies$/, open: policiesPage, needs: "policymaker" },
  { pattern: /^\/admin\/operator-policies$/, open: operatorPoliciesPage, needs: "administrator" },
  { pattern: /^\/admin\/definitions$/, open: definitionsPage, needs: "administrator" },
];

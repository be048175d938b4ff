/** Every route of the API. */
import type { Route } from "../route.js";
import { bindingRoutes } from "./bindings.js";
import { connectionRoutes } from "./connections.js";
import { definitionRoutes } from "./definitions.js";
import { exchangeRoutes } from "./exchanges.js";
import { messageRoutes } from "./messages.js";
import { overviewRoutes } from "./overview.js";
import { parameterRoutes } from "./parameters.js";
import { policyRoutes } from "./policies.js";
import { queueRoutes } from "./queues.js";
import { userRoutes } from "./users.js";
import { vhostRoutes } from "./vhosts.js";

export const ROUTES: readonly Route[] = [
  ...overviewRoutes,
  ...connectionRoutes,
  ...exchangeRoutes,
  ...queueRoutes,
  ...bindingRoutes,
  ...messageRoutes,
  ...vhostRoutes,
  ...userRoutes,
  ...definitionRoutes,
  ...policyRoutes,
  ...parameterRoutes,
];

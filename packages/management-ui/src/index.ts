/**
 * @amqp-go/management-ui: the management web UI, built to static files. The broker's management
 * server (@amqp-go/management) serves them at `/` on the management port; the pages call only the
 * management HTTP API (`/api/...`).
 */
import { fileURLToPath } from "node:url";

/**
 * The built UI: `index.html` (served with `no-cache`) and `assets/*` whose names carry a content
 * hash (served as immutable). Absent only when the package was not built.
 */
export const managementUiRoot: string = fileURLToPath(new URL("./www/", import.meta.url));

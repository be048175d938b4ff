/** Definitions: export (a download of GET /api/definitions) and import (a file posted to it). */
import { get, request, seg } from "../api.js";
import { field, h, select, statusLine } from "../dom.js";
import type { Page } from "../page.js";
import { vhost } from "../session.js";
import { adminNav } from "./admin-nav.js";

export function definitionsPage(): Page {
  const status = statusLine();
  const scope = select("scope", [["", "All (users, vhosts, permissions, topology)"], ...(vhost() === "" ? [] : [[vhost(), `Virtual host ${vhost()} only`] as [string, string]])], "");
  const exportForm = h(
    "form",
    {
      class: "form-grid",
      "aria-label": "Export definitions",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const defs = await get<Record<string, unknown>>(scope.value === "" ? "definitions" : `definitions/${seg(scope.value)}`);
          const text = JSON.stringify(defs, null, 2);
          const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
          const a = h("a", { href: url, download: `amqp-go-definitions-${new Date().toISOString().slice(0, 10)}.json` });
          document.body.appendChild(a);
          a.click();
          a.remove();
          setTimeout(() => URL.revokeObjectURL(url), 60_000);
          status.show(`Definitions exported (${text.length.toLocaleString("en")} bytes).`);
        } catch (err) {
          status.show((err as Error).message, true);
        }
      },
    },
    field("Export", scope),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Download definitions")),
  );
  const file = h("input", { type: "file", name: "definitions-file", accept: "application/json,.json", required: true });
  const importForm = h(
    "form",
    {
      class: "form-grid",
      "aria-label": "Import definitions",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const f = file.files?.[0];
        if (f === undefined) return;
        try {
          const body: unknown = JSON.parse(await f.text());
          await request("POST", scope.value === "" ? "definitions" : `definitions/${seg(scope.value)}`, body);
          status.show(`Definitions from ${f.name} imported.`);
        } catch (err) {
          status.show(err instanceof SyntaxError ? `${f.name} is not JSON: ${err.message}` : (err as Error).message, true);
        }
      },
    },
    field("Definitions file (RabbitMQ's JSON, from amqp-go or RabbitMQ)", file),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Upload and import")),
  );
  const el = h("div", null, adminNav("definitions"), h("h1", null, "Definitions"), status, h("h2", null, "Export"), exportForm, h("h2", null, "Import"), importForm);
  return { title: "Definitions", el, refresh: async () => {} };
}

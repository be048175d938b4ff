/** Admin: virtual hosts (add, delete) with their message counts. */
import { get, request, seg } from "../api.js";
import { field, fill, h, statusLine } from "../dom.js";
import { count } from "../format.js";
import { type Page, VHOSTS_CHANGED } from "../page.js";
import { dataTable } from "../table.js";
import { adminNav, confirmButton } from "./admin-nav.js";

interface VhostRow {
  name: string;
  description?: string;
  messages: number;
  messages_ready: number;
  messages_unacknowledged: number;
}

export function vhostsPage(): Page {
  const table = h("div");
  const status = statusLine();
  const name = h("input", { name: "vhost-name", required: true, autocomplete: "off" });
  const description = h("input", { name: "description", autocomplete: "off" });
  const changed = () => window.dispatchEvent(new Event(VHOSTS_CHANGED));
  const form = h(
    "form",
    {
      class: "form-grid",
      "aria-label": "Add virtual host",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          await request("PUT", `vhosts/${seg(name.value)}`, description.value === "" ? {} : { description: description.value });
          status.show(`Virtual host ${name.value} added.`);
          name.value = "";
          changed();
          await refresh();
        } catch (err) {
          status.show((err as Error).message, true);
        }
      },
    },
    field("Name", name),
    field("Description", description),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Add virtual host")),
  );
  const el = h("div", null, adminNav("vhosts"), h("h1", null, "Virtual hosts"), status, table, h("details", { class: "card" }, h("summary", null, "Add a virtual host"), form));

  async function refresh(): Promise<void> {
    const list = await get<VhostRow[]>("vhosts");
    fill(
      table,
      dataTable(
        [
          { label: "Name", cell: (v: VhostRow) => v.name },
          { label: "Description", cell: (v: VhostRow) => v.description ?? "" },
          { label: "Ready", num: true, cell: (v: VhostRow) => count(v.messages_ready) },
          { label: "Unacked", num: true, cell: (v: VhostRow) => count(v.messages_unacknowledged) },
          { label: "Total", num: true, cell: (v: VhostRow) => count(v.messages) },
          {
            label: "",
            cell: (v: VhostRow) =>
              confirmButton("Delete", `Delete virtual host ${v.name} and everything in it?`, async () => {
                await request("DELETE", `vhosts/${seg(v.name)}`);
                status.show(`Virtual host ${v.name} deleted.`);
                changed();
                await refresh();
              }, status.show, `Delete virtual host ${v.name}`),
          },
        ],
        list,
        { caption: "Virtual hosts" },
      ),
    );
  }
  return { title: "Virtual hosts", el, refresh };
}

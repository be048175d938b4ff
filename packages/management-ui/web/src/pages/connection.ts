/** One connection: its state, properties, client, channels, and closing it (with a reason). */
import { get, request, seg } from "../api.js";
import { field, fill, h, statusLine } from "../dom.js";
import { bytes, show } from "../format.js";
import { go, type Page } from "../page.js";
import { dataTable, kvTable } from "../table.js";
import { CHANNEL_COLUMNS, type ChannelRow, type ConnectionRow } from "./connections.js";

interface ConnectionDetail extends ConnectionRow {
  auth_mechanism: string;
  frame_max: number;
  channel_max: number;
  timeout: number;
  connected_at: number;
  host: string;
  port: number;
  recv_oct: number;
  send_oct: number;
}

export function connectionPage([name]: string[]): Page {
  const n = name!;
  const path = `connections/${seg(n)}`;
  const details = h("div");
  const client = h("div");
  const channels = h("div");
  const reason = h("input", { name: "reason", value: "Closed via management UI" });
  const status = statusLine();
  const close = h(
    "form",
    {
      class: "form-grid",
      "aria-label": "Close connection",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        if (!confirm(`Close connection ${n}?`)) return;
        try {
          await closeConnection(path, reason.value);
          go("#/connections");
        } catch (err) {
          status.show((err as Error).message, true);
        }
      },
    },
    field("Reason", reason),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "danger" }, "Force close")),
    status,
  );
  const el = h(
    "div",
    null,
    h("p", { class: "crumbs" }, h("a", { href: "#/connections" }, "Connections")),
    h("h1", null, "Connection ", h("span", { class: "name" }, n)),
    details,
    h("h2", null, "Channels"),
    channels,
    h("h2", null, "Client properties"),
    client,
    h("h2", null, "Close this connection"),
    close,
  );

  async function refresh(): Promise<void> {
    const [c, chs] = await Promise.all([get<ConnectionDetail>(path), get<ChannelRow[]>(`${path}/channels`)]);
    fill(
      details,
      kvTable(
        {
          State: c.state === "flow" ? "flow (reading paused by credit flow)" : c.state === "blocked" ? "blocked (a resource alarm)" : c.state,
          "Virtual host": c.vhost,
          User: c.user,
          Name: c.user_provided_name ?? "",
          Protocol: `${c.protocol}${c.ssl ? " over TLS" : ""}`,
          Authentication: c.auth_mechanism,
          "Connected at": new Date(c.connected_at).toLocaleString(),
          Heartbeat: `${c.timeout} s`,
          "Frame max": `${c.frame_max} bytes`,
          "Channel max": c.channel_max,
          "From client": `${bytes(c.recv_oct)} (${bytes(c.recv_oct_details?.rate ?? 0)}/s)`,
          "To client": `${bytes(c.send_oct)} (${bytes(c.send_oct_details?.rate ?? 0)}/s)`,
        },
        "Connection details",
      ),
    );
    fill(channels, dataTable(CHANNEL_COLUMNS, chs, { caption: "Channels", empty: "No channels." }));
    const props = Object.fromEntries(Object.entries(c.client_properties ?? {}).map(([k, val]) => [k, show(val)]));
    fill(client, kvTable(props, "Client properties"));
  }
  return { title: `Connection ${n}`, el, refresh };
}

/** DELETE with the reason in X-Reason (the client gets it in connection.close). */
async function closeConnection(path: string, reason: string): Promise<void> {
  await request("DELETE", path, undefined, { "x-reason": reason });
}

/** One exchange: details, rates, bindings from and to it, publish, bind, delete. */
import { get, request, seg } from "../api.js";
import { History, LiveChart } from "../chart.js";
import { fill, h } from "../dom.js";
import { features } from "../features.js";
import { at } from "../format.js";
import { go, type Page } from "../page.js";
import { kvTable } from "../table.js";
import { type Binding, bindingForm, bindingsTable } from "./bindings.js";
import { type ExchangeRow, exchangeLabel } from "./exchanges.js";
import { publishForm } from "./messages.js";

const num = (v: unknown): number => (typeof v === "number" ? v : 0);

export function exchangePage([vhost, name]: string[]): Page {
  const v = vhost!;
  const urlName = name!;
  const real = urlName === "amq.default" ? "" : urlName;
  const path = `exchanges/${seg(v)}/${seg(urlName)}`;
  const rates = new History(["In", "Out"]);
  const chart = new LiveChart("Message rates (per second)", rates, "/s");
  const details = h("div");
  const from = h("div");
  const to = h("div");
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const builtIn = real === "" || real.startsWith("amq.");
  const remove = h(
    "button",
    {
      type: "button",
      class: "danger",
      disabled: builtIn,
      onclick: async () => {
        if (!confirm(`Delete exchange ${real}?`)) return;
        try {
          await request("DELETE", path);
          go("#/exchanges");
        } catch (err) {
          status.textContent = (err as Error).message;
          status.classList.add("error");
        }
      },
    },
    "Delete exchange",
  );
  const el = h(
    "div",
    null,
    h("p", { class: "crumbs" }, h("a", { href: "#/exchanges" }, "Exchanges"), " › ", v),
    h("h1", null, "Exchange ", h("span", { class: "name" }, exchangeLabel(real))),
    h("div", { class: "charts" }, chart.el, details),
    h("section", null, h("h2", null, "Bindings from this exchange"), from, real === "" ? null : bindingForm(v, "e", real, () => refresh())),
    h("section", null, h("h2", null, "Bindings to this exchange"), to),
    h("section", null, h("h2", null, "Publish message"), publishForm(v, real, "", () => refresh())),
    h("section", null, h("h2", null, "Delete"), h("div", { class: "actions" }, remove, status)),
  );

  async function refresh(): Promise<void> {
    const [e, out, incoming] = await Promise.all([
      get<ExchangeRow>(path),
      get<Binding[]>(`${path}/bindings/source`),
      get<Binding[]>(`${path}/bindings/destination`),
    ]);
    rates.push([num(at(e, "message_stats", "publish_in_details", "rate")), num(at(e, "message_stats", "publish_out_details", "rate"))]);
    chart.update();
    fill(details, kvTable({ "Virtual host": e.vhost, Type: e.type, Features: features({ ...e, policy: null }), Policy: e.policy ?? "none" }, "Exchange details"), h("h3", null, "Arguments"), kvTable(e.arguments, "Arguments"));
    fill(from, bindingsTable(out, "to", () => refresh()));
    fill(to, bindingsTable(incoming, "from", () => refresh()));
  }

  return { title: `Exchange ${exchangeLabel(real)}`, el, refresh, dispose: () => chart.dispose() };
}

/** The admin pages' own navigation (administrator: all; policymaker: policies only). */
import { h } from "../dom.js";
import { can } from "../session.js";

export function adminNav(current: string): HTMLElement {
  const links: [string, string][] = can("administrator")
    ? [
        ["users", "Users and permissions"],
        ["vhosts", "Virtual hosts"],
        ["policies", "Policies"],
        ["operator-policies", "Operator policies"],
        ["definitions", "Definitions"],
      ]
    : [["policies", "Policies"]];
  return h(
    "nav",
    { class: "subnav", "aria-label": "Admin" },
    links.map(([p, text]) => h("a", { href: `#/admin/${p}`, "aria-current": p === current ? "page" : null }, text)),
  );
}

/** A button that runs `fn` after a confirm, reporting to `status`. */
export function confirmButton(label: string, question: string, fn: () => Promise<void>, report: (text: string, error?: boolean) => void, aria?: string): HTMLButtonElement {
  return h(
    "button",
    {
      type: "button",
      class: "danger",
      "aria-label": aria ?? label,
      onclick: async () => {
        if (!confirm(question)) return;
        try {
          await fn();
        } catch (err) {
          report((err as Error).message, true);
        }
      },
    },
    label,
  );
}

/**
 * The app shell: login, the header (navigation by the user's tags, vhost selector, refresh
 * control), hash routing to the pages, and the refresh loop (every 5 s by default, pausable, paused
 * while the tab is hidden).
 */
import { ApiError, clearCredentials, get, hasCredentials, whenLoginFails } from "./api.js";
import { fill, h, select } from "./dom.js";
import { loginForm } from "./login.js";
import { type Page, VHOSTS_CHANGED } from "./page.js";
import { ROUTES } from "./routes.js";
import { can, refreshSeconds, type Session, session, setRefreshSeconds, setSession, setVhost, vhost } from "./session.js";

const root = document.getElementById("app")!;
let page: Page | null = null;
let timer: number | undefined;
let vhostSelect: HTMLSelectElement;
const problem = h("p", { class: "problem", role: "alert", hidden: true });
const updated = h("span", { class: "updated muted", "aria-live": "off" });
const main = h("main", { id: "main", tabindex: -1 });

export async function start(): Promise<void> {
  // the stored login stopped working (password changed, user deleted): back to the form
  whenLoginFails(() => {
    if (session() !== null) logout("Your login was refused: log in again.");
  });
  if (!hasCredentials()) return showLogin();
  try {
    enter(await get<Session>("whoami"));
  } catch (err) {
    clearCredentials();
    showLogin(err instanceof ApiError ? err.reason : undefined);
  }
}

function showLogin(message?: string): void {
  setSession(null);
  closePage();
  fill(root, loginForm(enter, message));
  root.querySelector("input")?.focus();
}

function logout(message?: string): void {
  clearCredentials();
  showLogin(message);
}

function navLinks(): HTMLElement {
  const links: [string, string][] = [
    ["#/", "Overview"],
    ["#/connections", "Connections"],
    ["#/channels", "Channels"],
    ["#/exchanges", "Exchanges"],
    ["#/queues", "Queues"],
  ];
  if (can("administrator")) links.push(["#/admin/users", "Admin"]);
  else if (can("policymaker")) links.push(["#/admin/policies", "Policies"]);
  return h("nav", { "aria-label": "Main" }, h("ul", null, links.map(([href, text]) => h("li", null, h("a", { href }, text)))));
}

function enter(s: Session): void {
  setSession(s);
  vhostSelect = select("vhost", [["", "All"]], vhost());
  vhostSelect.id = "vhost-select";
  vhostSelect.addEventListener("change", () => {
    setVhost(vhostSelect.value);
    route();
  });
  const refresh = select(
    "refresh",
    [["1", "every 1 s"], ["5", "every 5 s"], ["10", "every 10 s"], ["30", "every 30 s"], ["60", "every 60 s"], ["0", "paused"]],
    String(refreshSeconds()),
  );
  refresh.id = "refresh-select";
  refresh.addEventListener("change", () => {
    setRefreshSeconds(Number(refresh.value));
    schedule();
  });
  const header = h(
    "header",
    { class: "top" },
    h("a", { class: "skip", href: "#main", onclick: (e: Event) => (e.preventDefault(), main.focus()) }, "Skip to content"),
    h("span", { class: "brand" }, "amqp-go"),
    navLinks(),
    h(
      "div",
      { class: "controls" },
      h("label", { for: "vhost-select" }, "Virtual host"),
      vhostSelect,
      h("label", { for: "refresh-select" }, "Refresh"),
      refresh,
      h("span", { class: "user" }, s.name),
      h("button", { type: "button", onclick: () => logout() }, "Log out"),
    ),
  );
  fill(root, header, problem, main, h("footer", null, updated));
  void loadVhosts();
  window.addEventListener(VHOSTS_CHANGED, () => void loadVhosts());
  window.onhashchange = route;
  route();
}

/** Fills the vhost selector (again when an admin page adds or deletes one: VHOSTS_CHANGED). */
async function loadVhosts(): Promise<void> {
  const list = await get<{ name: string }[]>("vhosts?columns=name").catch(() => []);
  const names = list.map((v) => v.name);
  if (vhost() !== "" && !names.includes(vhost())) setVhost("");
  fill(vhostSelect, h("option", { value: "" }, "All"), names.map((n) => h("option", { value: n, selected: n === vhost() }, n)));
}

function closePage(): void {
  window.clearTimeout(timer);
  page?.dispose?.();
  page = null;
}

function route(): void {
  closePage();
  const path = location.hash.replace(/^#/, "") || "/";
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (m === null) continue;
    if (r.needs !== undefined && !can(r.needs)) {
      fill(main, h("h1", null, "Not allowed"), h("p", null, `This page needs the ${r.needs} tag.`));
      return;
    }
    page = r.open(m.slice(1).map((p) => decodeURIComponent(p)));
    document.title = `${page.title} · amqp-go`;
    fill(main, page.el);
    for (const a of document.querySelectorAll("nav a")) {
      const href = (a as HTMLAnchorElement).getAttribute("href")!;
      const current = href === "#/" ? path === "/" : href.startsWith("#/admin") ? path.startsWith("/admin") : path.startsWith(href.slice(1));
      if (current) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    void tick();
    return;
  }
  fill(main, h("h1", null, "Not found"), h("p", null, h("a", { href: "#/" }, "Overview")));
}

/** Refreshes the page now; the next tick follows the chosen period. */
async function tick(): Promise<void> {
  window.clearTimeout(timer);
  const p = page;
  if (p === null) return;
  try {
    if (!document.hidden || updated.textContent === "") await p.refresh();
    problem.hidden = true;
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    problem.textContent = err instanceof ApiError ? `${err.status}: ${err.reason}` : `Cannot reach the server: ${(err as Error).message}`;
    problem.hidden = false;
  }
  if (p === page) schedule();
}

function schedule(): void {
  window.clearTimeout(timer);
  const s = refreshSeconds();
  if (s > 0 && page !== null) timer = window.setTimeout(() => void tick(), s * 1000);
}

/** The login form: the credentials are checked with GET /api/whoami and kept for this tab only. */
import { ApiError, clearCredentials, get, setCredentials } from "./api.js";
import { field, h, statusLine } from "./dom.js";
import type { Session } from "./session.js";

export function loginForm(onLogin: (s: Session) => void, message?: string): HTMLElement {
  const user = h("input", { name: "username", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const status = statusLine();
  if (message) status.show(message, true);
  const form = h(
    "form",
    {
      class: "login card",
      "aria-labelledby": "login-title",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        status.show("Logging in…");
        setCredentials(user.value, password.value);
        try {
          const who = await get<Session>("whoami");
          onLogin({ name: who.name, tags: who.tags });
        } catch (err) {
          clearCredentials();
          status.show(err instanceof ApiError ? err.reason : `Cannot reach the server: ${(err as Error).message}`, true);
        }
      },
    },
    h("h1", { id: "login-title" }, "amqp-go management"),
    field("Username", user),
    field("Password", password),
    h("button", { type: "submit", class: "primary" }, "Log in"),
    status,
  );
  return h("main", { class: "login-page" }, form);
}

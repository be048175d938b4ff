/** Admin: users (add, change tags or password, delete) and their vhost permissions. */
import { get, request, seg } from "../api.js";
import { field, fill, h, statusLine } from "../dom.js";
import type { Page } from "../page.js";
import { dataTable } from "../table.js";
import { vhostChoice } from "../vhost-choice.js";
import { adminNav, confirmButton } from "./admin-nav.js";

interface User {
  name: string;
  tags: string[];
  password_hash: string;
}

interface Permission {
  user: string;
  vhost: string;
  configure: string;
  write: string;
  read: string;
}

const TAGS = ["administrator", "monitoring", "policymaker", "management", "impersonator"];

export function usersPage(): Page {
  const users = h("div");
  const permissions = h("div");
  const status = statusLine();

  const name = h("input", { name: "user", required: true, autocomplete: "off" });
  const password = h("input", { name: "new-password", type: "password", autocomplete: "new-password" });
  const tags = h("input", { name: "tags", placeholder: "management, monitoring", autocomplete: "off" });
  const tagButtons = h(
    "div",
    { class: "actions" },
    h("span", { class: "muted" }, "Set:"),
    TAGS.map((t) => h("button", { type: "button", onclick: () => (tags.value = tags.value.trim() === "" ? t : `${tags.value}, ${t}`) }, t)),
  );
  const userForm = h(
    "form",
    {
      class: "form-grid",
      "aria-label": "Add or update user",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const body: Record<string, unknown> = { tags: tags.value.split(",").map((t) => t.trim()).filter((t) => t !== "").join(",") };
          if (password.value !== "") body.password = password.value;
          await request("PUT", `users/${seg(name.value)}`, body);
          status.show(`User ${name.value} saved.`);
          password.value = "";
          await refresh();
        } catch (err) {
          status.show((err as Error).message, true);
        }
      },
    },
    field("Username", name),
    field("Password", password, "empty: an existing user keeps theirs"),
    field("Tags (comma-separated)", tags),
    tagButtons,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Add / update user")),
  );

  const pUser = h("input", { name: "perm-user", required: true, autocomplete: "off" });
  const pVhost = vhostChoice();
  const conf = h("input", { name: "configure", value: ".*" });
  const write = h("input", { name: "write", value: ".*" });
  const read = h("input", { name: "read", value: ".*" });
  const permForm = h(
    "form",
    {
      class: "form-grid",
      "aria-label": "Set permission",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          await request("PUT", `permissions/${seg(pVhost.value)}/${seg(pUser.value)}`, { configure: conf.value, write: write.value, read: read.value });
          status.show(`Permissions of ${pUser.value} on ${pVhost.value} set.`);
          await refresh();
        } catch (err) {
          status.show((err as Error).message, true);
        }
      },
    },
    field("User", pUser),
    field("Virtual host", pVhost),
    field("Configure regexp", conf),
    field("Write regexp", write),
    field("Read regexp", read),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Set permission")),
  );

  const el = h(
    "div",
    null,
    adminNav("users"),
    h("h1", null, "Users"),
    status,
    users,
    h("details", { class: "card" }, h("summary", null, "Add or update a user"), userForm),
    h("h2", null, "Permissions"),
    permissions,
    h("details", { class: "card" }, h("summary", null, "Set a permission"), permForm),
  );

  async function refresh(): Promise<void> {
    const [us, ps] = await Promise.all([get<User[]>("users"), get<Permission[]>("permissions")]);
    fill(
      users,
      dataTable(
        [
          { label: "Name", cell: (u: User) => u.name },
          { label: "Tags", cell: (u: User) => u.tags.map((t) => h("span", { class: "badge" }, t)) },
          { label: "Password", cell: (u: User) => (u.password_hash === "" ? "none" : "set") },
          { label: "Vhosts", cell: (u: User) => ps.filter((p) => p.user === u.name).map((p) => p.vhost).join(", ") },
          {
            label: "",
            cell: (u: User) =>
              h(
                "span",
                { class: "actions" },
                h("button", { type: "button", onclick: () => ((name.value = u.name), (tags.value = u.tags.join(", ")), (userForm.parentElement as HTMLDetailsElement).open = true, name.focus()) }, "Edit"),
                confirmButton("Delete", `Delete user ${u.name}?`, async () => {
                  await request("DELETE", `users/${seg(u.name)}`);
                  status.show(`User ${u.name} deleted.`);
                  await refresh();
                }, status.show, `Delete user ${u.name}`),
              ),
          },
        ],
        us,
        { caption: "Users" },
      ),
    );
    fill(
      permissions,
      dataTable(
        [
          { label: "User", cell: (p: Permission) => p.user },
          { label: "Virtual host", cell: (p: Permission) => p.vhost },
          { label: "Configure", cell: (p: Permission) => h("code", null, p.configure) },
          { label: "Write", cell: (p: Permission) => h("code", null, p.write) },
          { label: "Read", cell: (p: Permission) => h("code", null, p.read) },
          {
            label: "",
            cell: (p: Permission) =>
              confirmButton("Clear", `Clear the permissions of ${p.user} on ${p.vhost}?`, async () => {
                await request("DELETE", `permissions/${seg(p.vhost)}/${seg(p.user)}`);
                await refresh();
              }, status.show, `Clear permissions of ${p.user} on ${p.vhost}`),
          },
        ],
        ps,
        { caption: "Permissions", empty: "No permissions." },
      ),
    );
  }
  return { title: "Users", el, refresh };
}


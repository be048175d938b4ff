/** A vhost select for forms, filled from /api/vhosts, preselecting the header's vhost. */
import { get } from "./api.js";
import { h, select } from "./dom.js";
import { vhost } from "./session.js";

export function vhostChoice(): HTMLSelectElement {
  const s = select("vhost", [[vhost() || "/", vhost() || "/"]], vhost() || "/");
  void get<{ name: string }[]>("vhosts?columns=name").then((list) => {
    const chosen = s.value;
    s.replaceChildren(...list.map((v) => h("option", { value: v.name, selected: v.name === chosen }, v.name)));
  });
  return s;
}

/**
 * Building DOM without markup strings: `h("td", { class: "num" }, value)`. Text always goes in as
 * text nodes (never parsed as HTML), so a queue name, header or payload shows as written: the one
 * place the UI turns data into DOM, and it has no innerHTML.
 */
export type Child = Node | string | number | boolean | null | undefined | readonly Child[];

type Handler = (e: Event) => void;
export type Props = Record<string, string | number | boolean | Handler | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === null || v === undefined || v === false) continue;
      if (typeof v === "function") el.addEventListener(k.slice(2).toLowerCase(), v);
      else if (k === "class") el.className = String(v);
      else if (k === "for") (el as HTMLLabelElement).htmlFor = String(v);
      else if (k === "value" || k === "checked" || k === "disabled" || k === "selected") (el as unknown as Record<string, unknown>)[k] = v;
      else el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false || c === true) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces `el`'s children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

let ids = 0;
/** A fresh element id, for labels. */
export const uid = (prefix: string): string => `${prefix}-${++ids}`;

/** A labelled form control: `<label for=id>text</label> control`, in one `.field`. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  if (control.id === "") control.id = uid("f");
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control, hint ? h("small", null, hint) : null);
}

export function select(name: string, options: readonly (readonly [string, string])[], value?: string): HTMLSelectElement {
  const s = h("select", { name });
  for (const [v, text] of options) s.appendChild(h("option", { value: v, selected: v === value }, text));
  return s;
}

/** A line for results and errors, read out by screen readers when it changes. */
export function statusLine(): HTMLElement & { show(text: string, error?: boolean): void } {
  const el = h("p", { class: "status", role: "status", "aria-live": "polite" }) as unknown as HTMLElement & { show(text: string, error?: boolean): void };
  el.show = (text: string, error = false) => {
    el.textContent = text;
    el.classList.toggle("error", error);
  };
  return el;
}

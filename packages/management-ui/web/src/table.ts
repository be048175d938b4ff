/**
 * Tables: column definitions, headers that sort (buttons, so the keyboard works, with aria-sort),
 * and a scrolling wrapper for narrow screens. Lists the API pages are sorted by the server (`sort`,
 * `sort_reverse`); short lists are sorted here with `sortRows`.
 */
import { type Child, h } from "./dom.js";

export interface Column<T> {
  readonly label: string;
  /** The sort key (an API field, dotted), or none for a column that does not sort. */
  readonly sort?: string;
  readonly num?: boolean;
  readonly title?: string;
  cell(row: T): Child;
  /** The value sorted on here (sortRows); default: the cell's text. */
  value?(row: T): unknown;
}

export interface Sorting {
  key: string;
  reverse: boolean;
}

export function dataTable<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  o: { caption: string; sorting?: Sorting; onSort?: (s: Sorting) => void; empty?: string },
): HTMLElement {
  const head = h(
    "tr",
    null,
    columns.map((c) => {
      const sorted = o.sorting !== undefined && c.sort !== undefined && o.sorting.key === c.sort;
      const aria = sorted ? (o.sorting!.reverse ? "descending" : "ascending") : undefined;
      const label = c.title ? h("abbr", { title: c.title }, c.label) : c.label;
      const content =
        c.sort !== undefined && o.onSort
          ? h(
              "button",
              {
                type: "button",
                class: "sort",
                onclick: () => o.onSort!({ key: c.sort!, reverse: sorted ? !o.sorting!.reverse : false }),
              },
              label,
              sorted ? (o.sorting!.reverse ? " ▼" : " ▲") : "",
            )
          : label;
      return h("th", { scope: "col", class: c.num ? "num" : null, "aria-sort": aria }, content);
    }),
  );
  const body = h(
    "tbody",
    null,
    rows.length === 0
      ? h("tr", null, h("td", { colspan: columns.length, class: "empty" }, o.empty ?? "Nothing here."))
      : rows.map((r) => h("tr", null, columns.map((c) => h("td", { class: c.num ? "num" : null, "data-label": c.label }, c.cell(r))))),
  );
  return h("div", { class: "table-wrap" }, h("table", null, h("caption", { class: "visually-hidden" }, o.caption), h("thead", null, head), body));
}

/** `rows` sorted by the column whose sort key is `s.key`. */
export function sortRows<T>(rows: T[], columns: readonly Column<T>[], s: Sorting): T[] {
  const c = columns.find((x) => x.sort === s.key);
  if (c === undefined) return rows;
  const v = (r: T) => (c.value ? c.value(r) : String(c.cell(r) ?? ""));
  rows.sort((a, b) => {
    const x = v(a);
    const y = v(b);
    const d = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return s.reverse ? -d : d;
  });
  return rows;
}

/** A key/value table for arguments, policy definitions, properties and headers (a Node value is shown as it is). */
export function kvTable(obj: Record<string, unknown> | null | undefined, caption: string): HTMLElement {
  const entries = Object.entries(obj ?? {});
  if (entries.length === 0) return h("p", { class: "muted" }, "None.");
  return h(
    "table",
    { class: "kv" },
    h("caption", { class: "visually-hidden" }, caption),
    h("tbody", null, entries.map(([k, v]) => h("tr", null, h("th", { scope: "row" }, k), h("td", null, v instanceof Node ? v : typeof v === "string" ? v : JSON.stringify(v))))),
  );
}

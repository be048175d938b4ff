/**
 * A list the API pages (`?page=&page_size=&name=&use_regex=&sort=&sort_reverse=&columns=`): the
 * filter box, page size, previous/next and the table, sorted by the server.
 */
import { ApiError, get } from "./api.js";
import { field, fill, h, select } from "./dom.js";
import { count } from "./format.js";
import { type Column, dataTable, type Sorting } from "./table.js";

export interface Paged<T> {
  filtered_count: number;
  total_count: number;
  items: T[];
  page: number;
  page_count: number;
}

export interface PagedList {
  readonly el: HTMLElement;
  refresh(): Promise<void>;
}

export function pagedList<T>(o: {
  /** The collection path (`queues` or `queues/%2F`). */
  path: string;
  columns: readonly Column<T>[];
  /** Fields asked for (`columns=`), so big lists stay small. */
  fields: readonly string[];
  caption: string;
  noun: string;
  sorting?: Sorting;
}): PagedList {
  let page = 1;
  let sorting: Sorting = o.sorting ?? { key: "name", reverse: false };
  const filter = h("input", { type: "search", name: "filter", placeholder: "name contains…" });
  const regex = h("input", { type: "checkbox", name: "regex" });
  const size = select("page_size", [["20", "20"], ["50", "50"], ["100", "100"], ["500", "500"]], "50");
  const summary = h("span", { class: "summary", "aria-live": "polite" });
  const prev = h("button", { type: "button", onclick: () => ((page = Math.max(1, page - 1)), void refresh()) }, "‹ Previous");
  const next = h("button", { type: "button", onclick: () => (page++, void refresh()) }, "Next ›");
  const table = h("div");
  let typing: number | undefined;
  filter.addEventListener("input", () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(() => ((page = 1), void refresh()), 250);
  });
  regex.addEventListener("change", () => ((page = 1), void refresh()));
  size.addEventListener("change", () => ((page = 1), void refresh()));
  const el = h(
    "div",
    { class: "paged" },
    h(
      "div",
      { class: "toolbar" },
      field("Filter", filter),
      h("div", { class: "field inline" }, regex, h("label", { for: (regex.id = `${o.noun}-regex`) }, "Regex")),
      field("Page size", size),
      h("div", { class: "pager" }, prev, summary, next),
    ),
    table,
  );

  async function refresh(): Promise<void> {
    const q = new URLSearchParams({ page: String(page), page_size: size.value, sort: sorting.key, sort_reverse: String(sorting.reverse), columns: o.fields.join(",") });
    if (filter.value !== "") {
      q.set("name", filter.value);
      q.set("use_regex", String(regex.checked));
    }
    let r: Paged<T>;
    try {
      r = await get<Paged<T>>(`${o.path}?${q}`);
    } catch (err) {
      // a list that shrank under the current page: back to page 1
      if (err instanceof ApiError && err.status === 400 && page > 1) {
        page = 1;
        return refresh();
      }
      throw err;
    }
    const pages = Math.max(1, r.page_count);
    summary.textContent = `Page ${r.page} of ${pages} · ${count(r.filtered_count)} of ${count(r.total_count)} ${o.noun}`;
    prev.disabled = page <= 1;
    next.disabled = page >= pages;
    fill(
      table,
      dataTable(o.columns, r.items, {
        caption: o.caption,
        sorting,
        onSort: (s) => {
          sorting = s;
          void refresh();
        },
        empty: filter.value === "" ? `No ${o.noun}.` : `No ${o.noun} match the filter.`,
      }),
    );
  }
  return { el, refresh };
}

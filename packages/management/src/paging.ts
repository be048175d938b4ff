/**
 * RabbitMQ's list parameters (rabbit_mgmt_util:augment_resources): `sort` (a field, dotted for
 * nested ones) and `sort_reverse`, `columns` (the fields to keep, dotted too), and with `page`:
 * `page_size` (default 100, at most 500), `name` (a substring, or with `use_regex=true` a regular
 * expression, matched against each item's name) and the paged shape
 * `{filtered_count, item_count, items, page, page_count, page_size, total_count}`.
 */
import { badRequest, HttpError } from "./http-error.js";

type Item = Record<string, unknown>;

const MAX_PAGE_SIZE = 500;

function pick(item: Item, path: readonly string[]): unknown {
  let v: unknown = item;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Item)[p];
  }
  return v;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : 1;
}

/** Keeps only `columns` of an item (dotted paths keep the nested field within its parents). */
function columnsOf(item: Item, columns: readonly (readonly string[])[]): Item {
  const out: Item = {};
  for (const path of columns) {
    const v = pick(item, path);
    if (v === undefined) continue;
    let o = out;
    for (let i = 0; i < path.length - 1; i++) o = (o[path[i]!] ??= {}) as Item;
    o[path[path.length - 1]!] = v;
  }
  return out;
}

/** True when the query asks for the list as it is: no sorting, paging or columns. */
export function isWholeList(query: URLSearchParams): boolean {
  return !query.has("sort") && !query.has("sort_reverse") && !query.has("columns") && !query.has("page");
}

/** The list `items` as the query asks for it: an array, or the paged object when `page` is given. */
export function listResponse(items: Item[], query: URLSearchParams): unknown {
  const sort = query.get("sort");
  const reverse = query.get("sort_reverse") === "true";
  if (sort !== null && sort !== "") {
    const path = sort.split(".");
    items.sort((a, b) => compare(pick(a, path), pick(b, path)));
  }
  if (reverse) items.reverse();
  const columnsParam = query.get("columns");
  const columns = columnsParam === null || columnsParam === "" ? null : columnsParam.split(",").map((c) => c.trim().split("."));
  const shape = (list: Item[]) => (columns === null ? list : list.map((i) => columnsOf(i, columns)));
  const pageParam = query.get("page");
  if (pageParam === null) return shape(items);

  const sizeParam = query.get("page_size");
  const page = Number(pageParam);
  const pageSize = sizeParam === null ? 100 : Number(sizeParam);
  if (!Number.isInteger(page) || !Number.isInteger(pageSize)) throw badRequest("Pagination parameters are invalid");
  if (page < 1 || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new HttpError(400, "invalid_pagination_parameters", `Invalid pagination parameters: page number ${page}, page size ${pageSize}`);
  }
  let filtered = items;
  const name = query.get("name");
  if (name !== null && name !== "") {
    let test: (n: string) => boolean;
    if (query.get("use_regex") === "true") {
      let re: RegExp;
      try {
        re = new RegExp(name);
      } catch (err) {
        throw badRequest(`invalid regex: ${(err as Error).message}`);
      }
      test = (n) => re.test(n);
    } else test = (n) => n.includes(name);
    filtered = items.filter((i) => test(String(i.name ?? "")));
  }
  const pageCount = Math.ceil(filtered.length / pageSize);
  if (page > 1 && page > pageCount) {
    throw new HttpError(400, "page_out_of_range", `Page out of range, page: ${page} page size: ${pageSize}, len: ${filtered.length}`);
  }
  const slice = filtered.slice((page - 1) * pageSize, page * pageSize);
  return {
    filtered_count: filtered.length,
    item_count: slice.length,
    items: shape(slice),
    page,
    page_count: pageCount,
    page_size: pageSize,
    total_count: items.length,
  };
}

/** RabbitMQ's list parameters: sort, sort_reverse, columns, and page/page_size/name/use_regex. */
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Harness, startHarness } from "./helpers.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  for (const n of ["q-b", "q-a", "q-c", "other-1", "other-2"]) await h.call("PUT", `/api/queues/%2F/${n}`, { body: { durable: false } });
});
afterAll(() => h.close());

const names = (items: { name: string }[]) => items.map((i) => i.name);

test("sort and sort_reverse", async () => {
  expect(names((await h.call("GET", "/api/queues?sort=name")).body)).toEqual(["other-1", "other-2", "q-a", "q-b", "q-c"]);
  expect(names((await h.call("GET", "/api/queues?sort=name&sort_reverse=true")).body)).toEqual(["q-c", "q-b", "q-a", "other-2", "other-1"]);
});

test("columns keeps only the fields asked for, nested ones too", async () => {
  const r = await h.call("GET", "/api/queues?sort=name&columns=name,messages,message_stats.publish");
  expect(r.body[0]).toEqual({ name: "other-1", messages: 0, message_stats: { publish: 0 } });
});

test("a page: RabbitMQ's paged shape", async () => {
  const r = await h.call("GET", "/api/queues?page=2&page_size=2&sort=name");
  expect(r.body).toEqual({
    filtered_count: 5,
    item_count: 2,
    items: expect.any(Array),
    page: 2,
    page_count: 3,
    page_size: 2,
    total_count: 5,
  });
  expect(names(r.body.items)).toEqual(["q-a", "q-b"]);
});

test("name filters by substring, or by regular expression with use_regex", async () => {
  const sub = await h.call("GET", "/api/queues?page=1&name=q-&sort=name");
  expect(sub.body.filtered_count).toBe(3);
  expect(sub.body.total_count).toBe(5);
  const re = await h.call("GET", "/api/queues?page=1&name=%5Eother-%5Cd%24&use_regex=true&sort=name");
  expect(names(re.body.items)).toEqual(["other-1", "other-2"]);
});

test("bad parameters are 400 as RabbitMQ words them", async () => {
  expect(await h.call("GET", "/api/queues?page=0")).toMatchObject({
    status: 400,
    body: { error: "invalid_pagination_parameters", reason: "Invalid pagination parameters: page number 0, page size 100" },
  });
  expect(await h.call("GET", "/api/queues?page=9")).toMatchObject({
    status: 400,
    body: { error: "page_out_of_range", reason: "Page out of range, page: 9 page size: 100, len: 5" },
  });
  expect(await h.call("GET", "/api/queues?page=1&page_size=x")).toMatchObject({ status: 400, body: { error: "bad_request", reason: "Pagination parameters are invalid" } });
  expect((await h.call("GET", "/api/queues?page=1&page_size=501")).status).toBe(400);
});

import { describe, expect, it } from "vitest";
import { JsonList, sameJson } from "./json-list.js";

describe("sameJson", () => {
  it("is JSON equality, nested, with arrays, nulls and key sets", () => {
    expect(sameJson({ a: 1, b: { rate: 0.5 }, c: [1, "x", null] }, { a: 1, b: { rate: 0.5 }, c: [1, "x", null] })).toBe(true);
    expect(sameJson({ b: { rate: 0.5 } }, { b: { rate: 0.6 } })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameJson({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(sameJson({ a: undefined }, { b: undefined })).toBe(false);
    expect(sameJson([1, 2], [1, 2, 3])).toBe(false);
    expect(sameJson([], {})).toBe(false);
    expect(sameJson({}, [])).toBe(false);
    expect(sameJson(null, {})).toBe(false);
    expect(sameJson("1", 1)).toBe(false);
  });
});

describe("JsonList", () => {
  it("serialises like JSON.stringify of the views, again only for the owners whose view changed", async () => {
    const owners = [{ n: 1 }, { n: 2 }, { n: 3 }];
    let serialised = 0;
    const list = new JsonList<{ n: number }>((o) => {
      serialised++;
      return { name: `q${o.n}`, messages: o.n, details: { rate: 0 } };
    });
    const text = async () => (await list.bytes(owners)).toString();
    const expected = () => JSON.stringify(owners.map((o) => ({ name: `q${o.n}`, messages: o.n, details: { rate: 0 } })));
    expect(await text()).toBe(expected());
    expect(JSON.parse(await text())).toHaveLength(3);
    owners[1]!.n = 20;
    expect(await text()).toBe(expected());
    expect((await list.bytes([])).toString()).toBe("[]");
    expect(serialised).toBe(9); // each call builds every view; the bytes are what is kept
  });

  it("gives the event loop a turn between slices of a long listing", async () => {
    const owners = Array.from({ length: 200 }, (_, n) => ({ n }));
    const list = new JsonList<{ n: number }>((o) => ({ n: o.n }));
    let turned = false;
    const pending = list.bytes(owners).then((b) => ({ text: b.toString(), turned }));
    setImmediate(() => (turned = true));
    const { text, turned: yielded } = await pending;
    expect(text).toBe(JSON.stringify(owners.map((o) => ({ n: o.n }))));
    expect(yielded).toBe(true);
  });
});

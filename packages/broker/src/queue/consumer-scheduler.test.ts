import { describe, expect, it } from "vitest";
import type { Consumer } from "./consumer.js";
import { ByPriority, singleActive } from "./consumer-scheduler.js";

/** A consumer that has room while `room` says so. */
function consumer(name: string, priority: number, room = () => true): Consumer & { name: string } {
  return { name, priority, lastServed: 0, hasCredit: room } as unknown as Consumer & { name: string };
}
const names = (s: { next(c: readonly Consumer[]): Consumer | undefined }, cs: Consumer[], n: number) =>
  Array.from({ length: n }, () => (s.next(cs) as (Consumer & { name: string }) | undefined)?.name ?? "-");

describe("consumer schedulers", () => {
  it("ByPriority: the highest with room, equals in turn, lower ones only when the higher are full", () => {
    let highRoom = true;
    const cs = [consumer("low", -1), consumer("h1", 3, () => highRoom), consumer("h2", 3, () => highRoom), consumer("mid", 0)];
    const s = new ByPriority();
    expect(names(s, cs, 4)).toEqual(["h1", "h2", "h1", "h2"]);
    highRoom = false;
    expect(names(s, cs, 2)).toEqual(["mid", "mid"]);
    highRoom = true;
    expect(names(s, cs, 1)).toEqual(["h1"]);
  });

  it("singleActive: the first registered only, nothing while it has no room", () => {
    let room = true;
    const cs = [consumer("first", 0, () => room), consumer("second", 9)];
    expect(names(singleActive, cs, 2)).toEqual(["first", "first"]);
    room = false;
    expect(names(singleActive, cs, 1)).toEqual(["-"]);
    expect(names(singleActive, cs.slice(1), 1)).toEqual(["second"]);
  });
});

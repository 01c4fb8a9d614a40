import { assertEquals } from "../_assert_test.ts";
import fc from "fast-check";
import { VALUE_POLICIES, type ValuePolicy, ValueVotes } from "./values.ts";

Deno.test("max: the highest request wins and falls back when its agent releases", () => {
  const v = new ValueVotes(() => "max");
  assertEquals(v.request(1, 0, 100).effective, 100);
  assertEquals(v.request(2, 0, 200), { accepted: true, effective: 200, changed: true });
  assertEquals(v.request(1, 0, 150).changed, false);
  assertEquals(v.release(2, 0), { accepted: true, effective: 150, changed: true });
  assertEquals(v.own(1, 0), 150);
});

Deno.test("min: the lowest request wins", () => {
  const v = new ValueVotes(() => "min");
  v.request(1, 0, 100);
  assertEquals(v.request(2, 0, 50).effective, 50);
  assertEquals(v.release(2, 0).effective, 100);
});

Deno.test("last: the newest request wins; release falls back to the newest remaining", () => {
  const v = new ValueVotes(() => "last");
  v.request(1, 0, 100);
  v.request(2, 0, 200);
  assertEquals(v.request(1, 0, 50).effective, 50);
  assertEquals(v.release(1, 0).effective, 200);
});

Deno.test("exclusive: the first claimant owns until it releases; others are refused", () => {
  const v = new ValueVotes(() => "exclusive");
  assertEquals(v.request(1, 0, 100).accepted, true);
  assertEquals(v.request(2, 0, 200), { accepted: false, effective: 100, changed: false });
  assertEquals(v.owner(0), 1);
  assertEquals(v.request(1, 0, 300).effective, 300);
  v.release(1, 0);
  assertEquals(v.owner(0), undefined);
  assertEquals(v.request(2, 0, 200).accepted, true);
});

Deno.test("releaseAll withdraws one agent everywhere and reports what changed", () => {
  const v = new ValueVotes(() => "max");
  v.request(1, 0, 10);
  v.request(1, 1, 10);
  v.request(2, 1, 20);
  assertEquals(v.releaseAll(1), [0]);
  assertEquals(v.effective(0), undefined);
  assertEquals(v.heldBy(2), [1]);
});

Deno.test("a resource whose last request goes starts afresh on the next request", () => {
  const v = new ValueVotes(() => "max");
  v.request(1, 0, 100);
  v.request(1, 1, 300);
  assertEquals(v.own(1, 0), 100, "reads resource 0 after 1");
  assertEquals(v.release(1, 0), { accepted: true, effective: undefined, changed: true });
  assertEquals(v.own(1, 0), undefined, "the released entry is not read back");
  assertEquals(v.effective(0), undefined);
  assertEquals(v.request(2, 0, 50), { accepted: true, effective: 50, changed: true });
  assertEquals([...v.requests(0)], [[2, 50]], "the new entry holds only the new request");
  assertEquals(v.effective(1), 300, "other resources untouched");
});

Deno.test("own reads each agent's request and nothing once it is released", () => {
  const v = new ValueVotes(() => "last");
  v.request(1, 3, 10);
  v.request(2, 3, 20);
  v.request(1, 3, 30);
  assertEquals([v.own(1, 3), v.own(2, 3), v.own(3, 3)], [30, 20, undefined]);
  v.release(1, 3);
  assertEquals([v.own(1, 3), v.own(2, 3), v.effective(3)], [undefined, 20, 20]);
  v.release(2, 3);
  assertEquals([v.own(2, 3), v.effective(3), v.requests(3).size], [undefined, undefined, 0]);
});

/** The arbitration rules restated naively: every request in order, the winner recomputed. */
class Model {
  readonly reqs = new Map<number, Map<number, number>>();
  constructor(readonly policy: ValuePolicy) {}
  request(agent: number, phys: number, value: number): boolean {
    const m = this.reqs.get(phys) ?? new Map<number, number>();
    this.reqs.set(phys, m);
    if (this.policy === "exclusive" && m.size > 0 && !m.has(agent)) return false;
    m.delete(agent);
    m.set(agent, value);
    return true;
  }
  release(agent: number, phys: number): void {
    this.reqs.get(phys)?.delete(agent);
  }
  effective(phys: number): number | undefined {
    const values = [...(this.reqs.get(phys)?.values() ?? [])];
    if (!values.length) return undefined;
    if (this.policy === "max") return Math.max(...values);
    if (this.policy === "min") return Math.min(...values);
    return this.policy === "exclusive" ? values[0] : values[values.length - 1];
  }
}

Deno.test("property: incremental arbitration agrees with recomputing from every request", () => {
  const op = fc.record({
    release: fc.boolean(),
    // Mostly a few agents and values, so repeats and runs of equal requests are common.
    agent: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 70 })),
    phys: fc.integer({ min: 0, max: 3 }),
    value: fc.oneof(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 8 })),
  });
  fc.assert(
    fc.property(fc.constantFrom(...VALUE_POLICIES), fc.array(op, { maxLength: 200 }), (p, ops) => {
      const v = new ValueVotes(() => p);
      const m = new Model(p);
      for (const o of ops) {
        if (o.release) {
          const before = m.effective(o.phys);
          m.release(o.agent, o.phys);
          const out = v.release(o.agent, o.phys);
          assertEquals(out.changed, m.effective(o.phys) !== before);
        } else {
          const before = m.effective(o.phys);
          const accepted = m.request(o.agent, o.phys, o.value);
          const out = v.request(o.agent, o.phys, o.value);
          assertEquals(out.accepted, accepted);
          assertEquals(out.changed, m.effective(o.phys) !== before);
        }
        for (let phys = 0; phys < 4; phys++) {
          assertEquals(v.effective(phys), m.effective(phys), `${p} phys ${phys}`);
          // Each agent's request is the model's; under `last` the requests' values come in
          // the model's order (a repeat among equal requests may keep its place: no value
          // moves); the other policies' outcomes do not depend on the order.
          const got = [...v.requests(phys)];
          const want = [...(m.reqs.get(phys) ?? [])];
          assertEquals(new Map(got), new Map(want));
          if (p === "last") assertEquals(got.map(([, x]) => x), want.map(([, x]) => x));
        }
      }
    }),
  );
});

Deno.test("a resource whose policy changes is arbitrated by the new policy from its next change", () => {
  let policy: ValuePolicy = "max";
  const v = new ValueVotes(() => policy);
  v.request(1, 0, 10);
  v.request(2, 0, 30);
  v.request(3, 0, 20);
  assertEquals(v.effective(0), 30);
  policy = "min";
  assertEquals(v.request(3, 0, 25).effective, 10);
  policy = "last";
  assertEquals(v.release(1, 0).effective, 25);
});

Deno.test("last: a repeat among equal newest requests changes nothing; one behind another value moves up", () => {
  const v = new ValueVotes(() => "last");
  v.request(1, 0, 50);
  v.request(2, 0, 50);
  v.request(3, 0, 50);
  assertEquals(v.unchanged(1, 0, 50, "last"), true, "only equal requests came after agent 1");
  const out = v.request(1, 0, 50);
  assertEquals([out.changed, v.effective(0)], [false, 50]);
  v.request(3, 0, 70);
  assertEquals(v.unchanged(1, 0, 50, "last"), false, "agent 3's 70 came after agent 1's 50");
  assertEquals(v.request(1, 0, 50).changed, true, "agent 1's repeat is the newest again");
  // The order decides what a release falls back to: 3 leaves, 50 stays; 1 leaves, 2's 50.
  assertEquals(v.release(3, 0).effective, 50);
  assertEquals(v.release(1, 0).effective, 50);
  assertEquals([...v.requests(0).values()], [50]);
});

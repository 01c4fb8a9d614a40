import { assertEquals, assertThrows } from "./_assert_test.ts";
import { kindsOf } from "./kind.ts";
import { PROTOCOLS } from "../builtins.ts";
import {
  ALL_RIGHTS,
  Grants,
  IdMap,
  kindIndex,
  SLOT_BOUNDED,
  SLOT_RIGHTS,
  SLOT_SHIFT,
} from "./grants.ts";
import { Right } from "./protocol.ts";

/** The built-in kinds, in the order the built-in protocols list them. */
const RESOURCE_KINDS = kindsOf(PROTOCOLS).map((k) => k.name);

Deno.test("byKind holds the same map as maps for every kind, also after copyFrom", () => {
  const g = new Grants();
  const other = new Grants();
  other.maps.reset.grant(7);
  g.copyFrom(other);
  for (const k of RESOURCE_KINDS) assertEquals(g.byKind[kindIndex(k)] === g.maps[k], true, k);
  assertEquals(g.byKind[kindIndex("reset")].toPhysical(0), 7);
  assertEquals(g.clone().byKind[kindIndex("reset")].toPhysical(0), 7);
});

Deno.test("each virtual id's slot packs its physical id, bounded flag and rights, and follows changes", () => {
  const m = new IdMap("clock");
  const a = m.grant(7, Right.READ);
  const b = m.grant(300, ALL_RIGHTS, 3, undefined, { min: 1, max: 2 });
  const unpack = (s: number) =>
    s < 0 ? null : [s >>> SLOT_SHIFT, (s & SLOT_BOUNDED) !== 0, s & SLOT_RIGHTS];
  assertEquals(m.slots.map(unpack), [[7, false, Right.READ], null, null, [300, true, ALL_RIGHTS]]);
  m.grant(7, Right.WRITE, undefined, undefined, { min: 0, max: 1 });
  assertEquals(unpack(m.slots[a]), [7, true, ALL_RIGHTS], "rights added, bounds given");
  m.revoke(300);
  assertEquals(m.slots[b], -1, "a revoked id is a hole");
  const copy = new IdMap("clock");
  copy.copyFrom(m);
  assertEquals(copy.slots, m.slots);
  assertThrows(() => m.grant(1 << 27), RangeError, "beyond");
});

import { assertEquals } from "./_assert_test.ts";
import { kindsOf } from "./kind.ts";
import { PROTOCOLS } from "../builtins.ts";
import { Grants, kindIndex } from "./grants.ts";

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

import { assert, assertEquals, assertThrows } from "./_assert_test.ts";
import { type Board, emptyBoard, type ResourceDesc } from "./board.ts";
import { buildHwTable } from "./hw_table.ts";
import { definedKinds, defineKind, hwClass, kindNamed, kindsOf } from "./kind.ts";

interface GaugeDesc extends ResourceDesc {
  full: number;
}
interface GaugeHw {
  read(id: number): number;
}

const gaugeKind = defineKind({
  name: "kind_test_gauge",
  noun: "gauge",
  member: "gauges",
  hw: hwClass<GaugeHw>("gauge"),
  fields: {},
  convert: (_c, _p, base): GaugeDesc => ({ ...base, full: 1 }),
});

Deno.test("a kind takes the next slot, is found by name, and a second one of its name is refused", () => {
  assertEquals(kindNamed("kind_test_gauge"), gaugeKind);
  assertEquals(definedKinds().indexOf(gaugeKind as never), gaugeKind.slot);
  assertThrows(
    () =>
      defineKind({
        name: "kind_test_gauge",
        noun: "other",
        member: "others",
        hw: hwClass("other"),
        fields: {},
        convert: (_c, _p, base) => base,
      }),
    TypeError,
    "already defined",
  );
  assertThrows(() => hwClass("Bad Name"), TypeError, "lower-case");
});

Deno.test("the kinds' table is shared by every copy of the API through Symbol.for", () => {
  const shared = (globalThis as Record<symbol, unknown>)[Symbol.for("vscmi.kinds")];
  assert(shared instanceof Map && shared.get("kind_test_gauge") === gaugeKind);
});

Deno.test("of() reads and adds the board's list; hwOf() and whole() read the hardware table", () => {
  const b: Board = emptyBoard();
  assertEquals(gaugeKind.of(b), []);
  gaugeKind.of(b).push({ id: 3, name: "g3", driver: "d", full: 9 });
  assertEquals(b.resources.kind_test_gauge, [
    { id: 3, name: "g3", driver: "d", full: 9 } as ResourceDesc,
  ]);
  assertEquals(gaugeKind.find(b, 3)?.full, 9);
  const gauge: GaugeHw = { read: (id) => id * 2 };
  const hw = buildHwTable(b, new Map([["d", { name: "d", gauge }]]));
  assertEquals(gaugeKind.hwOf(hw)[3]?.read(3), 6);
  assertEquals(gaugeKind.hw.whole(hw), gauge);
  assertEquals(hwClass("absent").whole(hw), undefined);
  assertThrows(
    () => buildHwTable(b, new Map([["d", { name: "d" }]])),
    TypeError,
    'driver "d" does not drive gauge',
  );
});

Deno.test("kindsOf: each kind once in protocol order; two kinds of one name are refused", () => {
  const p = { kinds: [gaugeKind] };
  assertEquals(kindsOf([p, {}, p]), [gaugeKind]);
  const twin = { ...gaugeKind };
  assertThrows(() => kindsOf([p, { kinds: [twin] }]), TypeError, "Two kinds");
});

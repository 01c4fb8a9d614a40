/**
 * The public API rejects wrong shapes at compile time: each `@ts-expect-error` below must
 * meet a type error, or `deno check` (and so `deno task check` and `deno test`) fails with
 * "Unused '@ts-expect-error' directive". The runtime checks of `defineProtocol` are tested
 * here too.
 */
import { z } from "zod";
import { defineKind, defineProtocol, defineTransport, hwClass, Status } from "../mod.ts";
import type { HwTable } from "../mod.ts";
import { assertThrows } from "../core/_assert_test.ts";

const ATTRS = { name: "PROTOCOL_ATTRIBUTES", params: 0, run: () => {} };

Deno.test("a vendor protocol with wrong shapes does not compile", () => {
  const bad = () => {
    defineProtocol({
      api: 1,
      id: 0x80,
      name: "vendor",
      versions: [0x10000],
      commands: {
        0x1: ATTRS,
        // @ts-expect-error: a handler returns a Status or nothing, not a string
        0x3: { name: "X", params: 0, run: () => "ok" },
        // @ts-expect-error: params is a byte count or { min, max }
        0x4: { name: "Y", params: "4", run: () => {} },
      },
    });
    // @ts-expect-error: api (the API major it was written for) is required
    defineProtocol({ id: 0x82, name: "noapi", versions: [0x10000], commands: { 0x1: ATTRS } });
    // @ts-expect-error: versions is required
    defineProtocol({ id: 0x81, name: "noversions", commands: { 0x1: ATTRS } });
    // @ts-expect-error: a transport must start
    defineTransport({ name: "t", summary: "s", options: {} });
    const fan = defineKind({
      name: "types_fan",
      noun: "fan",
      member: "fans",
      hw: hwClass<{ rpm(id: number): number }>("fan"),
      fields: { max_rpm: z.number() },
      // @ts-expect-error: a converter reads its entry typed by its fields: max_rpm is a number
      convert: (_c, _p, base, t) => ({ ...base, label: t.max_rpm.toUpperCase() }),
    });
    const table = {} as HwTable;
    // @ts-expect-error: a kind's driver contract is typed: fans have no spin()
    fan.hwOf(table)[0]!.spin();
  };
  void bad;
  // A correct one compiles and returns a status where it should.
  const ok = defineProtocol({
    api: 1,
    id: 0x80,
    name: "vendor",
    versions: [0x10000],
    commands: { 0x1: ATTRS, 0x3: { name: "X", params: 0, run: () => Status.DENIED } },
  });
  void ok;
});

Deno.test("defineProtocol refuses what types cannot catch: ids, versions, core-owned messages", () => {
  assertThrows(
    () =>
      defineProtocol({
        api: 1,
        id: 0x05,
        name: "low",
        versions: [0x10000],
        commands: { 0x1: ATTRS },
      }),
    TypeError,
    "id must be 0x10",
  );
  assertThrows(
    () =>
      defineProtocol({
        api: 1,
        id: 0x80,
        name: "down",
        versions: [0x20000, 0x10000],
        commands: { 0x1: ATTRS },
      }),
    TypeError,
    "versions must ascend",
  );
  assertThrows(
    () =>
      defineProtocol({
        api: 1,
        id: 0x80,
        name: "core",
        versions: [0x10000],
        commands: { 0x1: ATTRS, 0x0: { name: "V", params: 0, run: () => {} } },
      }),
    TypeError,
    "answered by the core",
  );
});

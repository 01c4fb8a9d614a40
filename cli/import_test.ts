/**
 * `vscmi import`: formats come from the registered drivers and transports; an unknown one,
 * or a flag of another format, is a usage error.
 */
import { assert, assertEquals } from "../core/_assert_test.ts";
import { BUILTINS } from "../builtins.ts";
import { importersOf } from "./import.ts";
import { vscmi } from "../tests/_vscmi.ts";

Deno.test("import: the formats are those the registered types contribute", () => {
  const all = importersOf(BUILTINS);
  const owners = [...BUILTINS.drivers ?? [], ...BUILTINS.transports ?? []]
    .flatMap((d) => (d.importers ?? []).map((i) => i.name));
  assertEquals([...all.keys()].sort(), owners.sort());
  assert(all.size > 0);
});

Deno.test("import: an unknown format is a usage error listing the formats; --help lists them", async () => {
  const r = await vscmi("import", "nosuch", "x.json");
  assertEquals(r.code, 2);
  const names = [...importersOf(BUILTINS).keys()];
  assert(r.stderr.includes('Unknown format "nosuch"') && names.every((n) => r.stderr.includes(n)));
  const h = await vscmi("import", "--help");
  assertEquals(h.code, 0);
  for (const i of importersOf(BUILTINS).values()) {
    assert(h.stdout.includes(`${i.name} ${i.input}`), h.stdout);
  }
  const top = await vscmi("--help");
  assert(top.stdout.includes("import"), top.stdout);
});

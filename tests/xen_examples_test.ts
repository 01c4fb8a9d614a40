/**
 * `examples/xen/`: both deployments pass `vscmi check` as a user runs it, and the sample
 * `xl.cfg` carries the lines `vscmi dt --xen` prints for its guest.
 * @module
 */
import { assert, assertEquals } from "../core/_assert_test.ts";
import { xlConfigLines } from "../cli/dt_xen.ts";
import { vscmi } from "./_vscmi.ts";

for (const manifest of ["examples/xen/sim/vscmi.toml"]) {
  Deno.test(`check ${manifest} → exit 0, vm1 and vm2 on vhost-user`, async () => {
    const r = await vscmi("check", manifest);
    assertEquals(r.code, 0, r.stderr + r.stdout);
    assert(r.stdout.startsWith(`ok: ${manifest}: board `), r.stdout);
    for (const a of ["vm1", "vm2"]) {
      assert(new RegExp(`^  ${a}\\s+vhost-user\\s`, "m").test(r.stdout), r.stdout);
    }
  });
}

Deno.test("examples/xen/vm1.cfg → the xl.cfg lines vscmi dt --xen gives vm1", async () => {
  const cfg = await Deno.readTextFile(new URL("../examples/xen/vm1.cfg", import.meta.url));
  for (const line of xlConfigLines("vm1")) assert(cfg.split("\n").includes(line), line);
});

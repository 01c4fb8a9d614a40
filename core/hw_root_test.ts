import { assertEquals, assertThrows } from "./_assert_test.ts";
import { hwAccessOf, hwPath } from "./hw_root.ts";

Deno.test("hwPath puts absolute hardware paths under the root and leaves / alone", () => {
  assertEquals(hwPath("/tmp/rec", "/sys/class/regulator"), "/tmp/rec/sys/class/regulator");
  assertEquals(hwPath("/", "/dev/mem"), "/dev/mem");
  assertThrows(() => hwPath("/tmp/rec", "dev/mem"), TypeError, "absolute");
});

Deno.test("hwAccessOf fills what an environment leaves out with the real root", () => {
  assertEquals(hwAccessOf({}), { hwRoot: "/", dryRun: false });
  assertEquals(hwAccessOf({ hwRoot: "/x", dryRun: true }), { hwRoot: "/x", dryRun: true });
});

/**
 * The vendor example against a second copy of the API: `examples/vendor-plugin/` copied with
 * `mod.ts`, `core/`, `client/` (and what they import) to another directory, so the plugin
 * throws that copy's ScmiError; loaded through its manifest by this checkout's server, an
 * agent still receives OUT_OF_RANGE (rpm above `max_rpm`, 9000 for vm1's fan 0) and
 * NOT_FOUND (a fan vm1 does not see), not GENERIC_ERROR. Apart from the other example test:
 * the kind registry is one per process, and only one copy may define `fan` in it.
 * @module
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { assert, assertEquals } from "../core/_assert_test.ts";
import { Status } from "../core/status.ts";
import { Harness } from "../testing/mod.ts";
import * as api from "../mod.ts";
import { copyApi } from "./_api_copy.ts";

const EXAMPLE = "examples/vendor-plugin";
const FAN = 0x80;

Deno.test("vendor example against a second copy of the API still answers OUT_OF_RANGE and NOT_FOUND", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "vscmi-vendor-copy-" });
  try {
    await copyApi(tmp, ["mod.ts", "core", "client", "transports", "server", EXAMPLE]);
    const copy: typeof api = await import(pathToFileURL(join(tmp, "mod.ts")).href);
    assert(copy.ScmiError !== api.ScmiError, "the copy has its own error classes");
    const plugin = await import(pathToFileURL(join(tmp, EXAMPLE, "fan.ts")).href);
    assert(plugin.fanSim.create !== undefined && plugin.default.id === FAN);

    const h = await Harness.load(join(tmp, EXAMPLE, "vscmi.toml"));
    try {
      assertEquals((await h.send("vm1", FAN, 0x4, [0, 9001])).status, Status.OUT_OF_RANGE);
      assertEquals((await h.send("vm1", FAN, 0x4, [2, 100])).status, Status.NOT_FOUND);
      assertEquals((await h.send("vm1", FAN, 0x3, [7])).status, Status.NOT_FOUND);
      assertEquals((await h.send("vm1", FAN, 0x4, [0, 9000])).status, Status.SUCCESS);
      assertEquals((await h.send("vm1", FAN, 0x3, [0])).words(), [9000]);
    } finally {
      await h.close();
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

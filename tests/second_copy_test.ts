/**
 * Errors survive two copies of the API: a vendor plugin importing its own copy of `mod.ts`
 * (another directory, so other module instances and other error classes) throws that copy's
 * ScmiError and DriverError, and the agent receives exactly their statuses, not
 * GENERIC_ERROR. The copy is made at test time from this checkout and the plugin is loaded
 * through a deployment manifest, as `vscmi serve` loads it.
 * @module
 */
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { copyApi, ROOT } from "./_api_copy.ts";
import { assert, assertEquals } from "../core/_assert_test.ts";
import * as api from "../mod.ts";
import { Harness } from "../testing/mod.ts";

const PLUGIN = "tests/manifests/plugins/strict.ts";

Deno.test("a plugin built against a second copy of the API keeps its error statuses", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "vscmi-second-copy-" });
  try {
    await copyApi(tmp, ["mod.ts", "core", PLUGIN]);
    const copy: typeof api = await import(pathToFileURL(join(tmp, "mod.ts")).href);
    // Two module instances: two distinct classes, each recognised by the other's brand.
    assert(copy.ScmiError !== api.ScmiError && copy.DriverError !== api.DriverError);
    const theirs: object = new copy.DriverError("busy");
    assertEquals(
      [api.isScmiError(theirs), api.isDriverError(theirs), api.isCapacityError(theirs)],
      [true, true, false],
    );
    assertEquals([theirs instanceof api.ScmiError, theirs instanceof api.DriverError], [
      true,
      true,
    ]);
    assertEquals(new copy.ScmiError(api.Status.DENIED) instanceof api.DriverError, false);

    const manifest = join(tmp, "vscmi.toml");
    await Deno.writeTextFile(
      manifest,
      [
        `board = ${JSON.stringify(relative(tmp, join(ROOT, "tests/manifests/board.toml")))}`,
        `[platform]`,
        `plugins = [${JSON.stringify(PLUGIN)}]`,
        `[[agent]]`,
        `name = "vm1"`,
        `transport = { type = "stream" }`,
        `protocols = ["strict"]`,
        "",
      ].join("\n"),
    );
    const logs: string[] = [];
    const h = await Harness.load(manifest, {
      log: (level, line) => logs.push(`${level}: ${line}`),
    });
    try {
      const status = async (msg: number) => (await h.send("vm1", 0x81, msg)).status;
      assertEquals(await status(0x3), api.Status.OUT_OF_RANGE);
      assertEquals(await status(0x4), api.Status.NOT_FOUND);
      assertEquals(await status(0x5), api.Status.BUSY);
      // A plain Error is still a bug, whichever copy: GENERIC_ERROR.
      assertEquals(await status(0x6), api.Status.GENERIC_ERROR);
      // Only the bug is logged: thrown statuses are answers, not failures.
      assertEquals(logs.map((l) => l.split("\n")[0]), [
        'error: strict STRICT_BUG for agent "vm1" failed: Error: a bug',
      ]);
    } finally {
      await h.close();
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

/**
 * `vscmi check examples/forward/mediator.toml --run-dir D/med` with the example firmware
 * served in D/fw: `{run_dir}` in the board's socket option is the run directory given, so
 * the forward driver reaches the firmware and the check passes; without the firmware it
 * exits 1 naming the socket it tried.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../../../core/_assert_test.ts";
import { Logger } from "../../../core/log.ts";
import { loadDeployment } from "../../../server/manifest/mod.ts";
import { startServer } from "../../../server/serve.ts";
import { BUILTINS } from "../../../builtins.ts";
import { vscmi } from "../../../tests/_vscmi.ts";

const EXAMPLE = fileURLToPath(new URL("../../../examples/forward/", import.meta.url));

Deno.test("vscmi check --run-dir: {run_dir} in a driver's path option is that directory", async () => {
  const dir = await Deno.makeTempDir();
  const log = new Logger();
  log.sink = () => {};
  const manifest = join(EXAMPLE, "mediator.toml");
  try {
    const missing = await vscmi("check", manifest, "--run-dir", join(dir, "med"));
    assertEquals(missing.code, 1);
    assert(missing.stderr.includes(`unix:${join(dir, "fw", "mediator.sock")}`), missing.stderr);

    const fwDep = await loadDeployment(join(EXAMPLE, "firmware.toml"), BUILTINS);
    const fw = await startServer(fwDep, {
      runDir: join(dir, "fw"),
      stateDir: null,
      control: false,
      log,
    });
    try {
      const r = await vscmi("check", manifest, "--run-dir", join(dir, "med"));
      assertEquals(r.code, 0, r.stderr);
      assert(r.stdout.startsWith("ok: "), r.stdout);
    } finally {
      await fw.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

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

Deno.test("vscmi discover --forward SOCKET -o FILE writes the firmware's board, which vscmi check takes", async () => {
  const dir = await Deno.makeTempDir();
  const log = new Logger();
  log.sink = () => {};
  const fwDep = await loadDeployment(join(EXAMPLE, "firmware.toml"), BUILTINS);
  const fw = await startServer(fwDep, { runDir: dir, stateDir: null, control: false, log });
  try {
    const sock = join(dir, "mediator.sock");
    const out = join(dir, "board.toml");
    const r = await vscmi("discover", "--forward", sock, "-o", out);
    assertEquals(r.code, 0, r.stderr);
    const expected = (await Deno.readTextFile(join(EXAMPLE, "board.toml")))
      .replace("at D/fw/mediator.sock", `at ${sock}`)
      .replace('socket = "{run_dir}/../fw/mediator.sock"', `socket = ${JSON.stringify(sock)}`);
    assertEquals(await Deno.readTextFile(out), expected);
    const checked = await vscmi("check", out);
    assertEquals(checked.code, 0, checked.stderr);
    assert(checked.stdout.includes("uart0_clk"), checked.stdout);
  } finally {
    await fw.close();
    await Deno.remove(dir, { recursive: true });
  }
});

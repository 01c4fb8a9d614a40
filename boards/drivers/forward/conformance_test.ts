/**
 * The driver conformance suite over the forward driver, backing examples/forward/board.toml
 * against the example firmware: every operation of every built-in contract, on every
 * resource it backs, answers or fails with a status.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Logger } from "../../../core/log.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { loadBoard, loadDeployment } from "../../../server/manifest/mod.ts";
import { startServer } from "../../../server/serve.ts";
import { BUILTINS } from "../../../builtins.ts";
import { BUILTIN_CONTRACTS, driverConformance } from "../../../testing/mod.ts";
import { createForward } from "./mod.ts";

const EXAMPLE = fileURLToPath(new URL("../../../examples/forward/", import.meta.url));

Deno.test("conformance: the forward driver, every kind the example firmware shows", async (t) => {
  const dir = await Deno.makeTempDir();
  const log = new Logger();
  log.sink = () => {};
  const fwDep = await loadDeployment(join(EXAMPLE, "firmware.toml"), BUILTINS);
  const fw = await startServer(fwDep, { runDir: dir, stateDir: null, control: false, log });
  const board = await loadBoard(join(EXAMPLE, "board.toml"), BUILTINS);
  const driver = await createForward(
    { name: "downstream", options: { socket: join(dir, "mediator.sock") }, board, log },
    { clock: new ManualClock() },
  );
  try {
    await driverConformance(t, { driver, board, contracts: BUILTIN_CONTRACTS });
  } finally {
    await driver.close?.();
    await fw.close();
    await Deno.remove(dir, { recursive: true });
  }
});

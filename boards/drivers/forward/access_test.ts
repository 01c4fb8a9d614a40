/**
 * What the downstream does not let this agent do: a clock it may only read is reported by the
 * driver's `access` (for `vscmi check`) and marked in the board discovery writes.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../../../core/_assert_test.ts";
import { Logger } from "../../../core/log.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { loadBoard, loadDeployment, simBoardPath } from "../../../server/manifest/mod.ts";
import { startServer } from "../../../server/serve.ts";
import { BUILTINS } from "../../../builtins.ts";
import { forwardDiscovery } from "./discover.ts";
import { createForward } from "./mod.ts";

Deno.test("a clock the downstream lets this agent only read: access says why, discovery marks it", async () => {
  const dir = await Deno.makeTempDir();
  const log = new Logger();
  log.sink = () => {};
  const manifest = join(dir, "fw.toml");
  await Deno.writeTextFile(
    manifest,
    `board = ${JSON.stringify(simBoardPath())}\n\n[[agent]]\nname = "mediator"\n` +
      `transport = { type = "stream" }\nprotocols = ["clock"]\n\n` +
      `[[agent.clock]]\nname = "uart0_clk"\nvirtual = 0\n\n` +
      `[[agent.clock]]\nname = "timer_clk"\nvirtual = 1\naccess = "read"\n`,
  );
  const fw = await startServer(await loadDeployment(manifest, BUILTINS), {
    runDir: join(dir, "run"),
    stateDir: null,
    control: false,
    log,
  });
  const sock = join(dir, "run", "mediator.sock");
  try {
    const text = await forwardDiscovery.run({ source: sock, log, hwRoot: "/", dryRun: false });
    const at = text.indexOf('name = "timer_clk"');
    const entry = text.slice(text.lastIndexOf("\n\n", at), at);
    assert(
      entry.includes(
        "# Restricted: the downstream platform does not let this agent switch it on or off, " +
          "set its rate, switch its parent.",
      ),
      entry,
    );
    assert(!text.slice(0, text.indexOf('name = "uart0_clk"')).includes("Restricted"));

    const boardFile = join(dir, "board.toml");
    await Deno.writeTextFile(boardFile, text);
    const board = await loadBoard(boardFile, BUILTINS);
    const driver = await createForward(
      { name: "downstream", options: { socket: sock }, board, log },
      { clock: new ManualClock() },
    );
    try {
      assertEquals(driver.access!("clock", 0), { read: true, write: true });
      const timer = driver.access!("clock", 1);
      assertEquals([timer.read, timer.write], [true, false]);
      assert(timer.why!.startsWith("the downstream platform does not let this agent"));
    } finally {
      await driver.close?.();
    }
  } finally {
    await fw.close();
    await Deno.remove(dir, { recursive: true });
  }
});

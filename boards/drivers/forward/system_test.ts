/**
 * System power through the forward driver: a downstream that serves this agent system power
 * gets the state asked here, graceful or not; one that does not leaves the driver without a
 * `system` class.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../../../core/_assert_test.ts";
import { emptyBoard } from "../../../core/board.ts";
import { Logger } from "../../../core/log.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { loadDeployment, simBoardPath } from "../../../server/manifest/mod.ts";
import { startServer } from "../../../server/serve.ts";
import { BUILTINS } from "../../../builtins.ts";
import type { SystemHw } from "../../../plugins/system/hw.ts";
import { createForward } from "./mod.ts";

async function firmware(dir: string, protocols: string, trace: string[]) {
  const log = new Logger();
  log.sink = () => {};
  const manifest = join(dir, "fw.toml");
  await Deno.writeTextFile(
    manifest,
    `board = ${JSON.stringify(simBoardPath())}\n\n[[agent]]\nname = "mediator"\ntrusted = true\n` +
      `transport = { type = "stream" }\nprotocols = ${protocols}\nclocks = ["osc24m"]\n\n` +
      `[agent.system_power]\naction = "command"\nargv = ["true"]\n`,
  );
  return await startServer(await loadDeployment(manifest, BUILTINS), {
    runDir: dir,
    stateDir: null,
    control: false,
    log,
    trace: "text",
    traceWrite: (l) => void trace.push(l),
  });
}

Deno.test("system power: the state asked here reaches the downstream that serves it", async () => {
  const dir = await Deno.makeTempDir();
  const trace: string[] = [];
  const fw = await firmware(dir, '["clock", "system"]', trace);
  try {
    const driver = await createForward(
      { name: "fw", options: { socket: join(dir, "mediator.sock") }, board: emptyBoard("b") },
      { clock: new ManualClock() },
    );
    try {
      const system = driver.system as SystemHw;
      assert(system.supports!(0) && system.supports!(1));
      assertEquals(system.supports!(0x8000_0000), false);
      trace.length = 0;
      await system.setState(1, true);
      const sets = trace.filter((l) => l.includes("SYSTEM_POWER_STATE_SET"));
      assertEquals(sets.length, 1, trace.join("\n"));
      assert(/flags=1 .*1 ← SUCCESS/.test(sets[0]), sets[0]);
    } finally {
      await driver.close?.();
    }
  } finally {
    await fw.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("system power: a downstream that does not serve it leaves the driver without it", async () => {
  const dir = await Deno.makeTempDir();
  const fw = await firmware(dir, '["clock"]', []);
  try {
    const driver = await createForward(
      { name: "fw", options: { socket: join(dir, "mediator.sock") }, board: emptyBoard("b") },
      { clock: new ManualClock() },
    );
    assertEquals(driver.system, undefined);
    await driver.close?.();
  } finally {
    await fw.close();
    await Deno.remove(dir, { recursive: true });
  }
});

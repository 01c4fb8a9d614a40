/**
 * Clocks the deployment keeps on (`[policy.keep_on]`): running once the platform is up, even
 * when the hardware had them off at start-up, with one info line; a driver that cannot switch
 * one on is logged and the platform still comes up.
 * @module
 */
import { clockKind } from "./kind.ts";
import { assertEquals } from "../../core/_assert_test.ts";
import { type Board, emptyBoard } from "../../core/board.ts";
import { buildPlatform } from "../../server/build.ts";
import { type BoardDriver, DriverError } from "../../core/driver.ts";
import type { ClockHw } from "./hw.ts";
import { buildHwTable } from "../../core/hw_table.ts";
import { Logger } from "../../core/log.ts";
import { loadDeployment } from "../../server/manifest/mod.ts";
import { Platform } from "../../core/platform.ts";
import { simDriver } from "../../boards/drivers/sim.ts";
import { TEST_VENDOR } from "../../tests/harness.ts";
import { clocks } from "../../tests/vectors/clock/fixture.ts";
import { clockProtocol } from "./mod.ts";
import { BUILTINS } from "../../builtins.ts";

const BOARD = `[board]
name = "kept"

[[driver]]
name = "sim"
type = "sim"
options = { time_scale = 0 }

[[clock]]
id = 0
name = "osc"
rates = ["24MHz"]
enabled = true

[[clock]]
id = 1
name = "pll"
rates = ["100MHz", "200MHz"]

[[clock]]
id = 2
name = "spare"
rates = ["1MHz"]
`;

const DEPLOYMENT = `board = "board.toml"

[policy.keep_on]
clocks = ["osc", "pll"]

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["clock"]
clocks = ["pll", "spare"]

[[agent.clock]]
name = "pll"
access = "read"
`;

/** A logger that keeps its lines as `level: line`. */
function recording(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = new Logger();
  log.level = "debug";
  log.sink = (level, line) => void lines.push(`${level}: ${line}`);
  return { log, lines };
}

Deno.test("keep_on clock off at boot → running once the platform is up, one info line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-kept-" });
  try {
    await Deno.writeTextFile(`${dir}/board.toml`, BOARD);
    await Deno.writeTextFile(`${dir}/vscmi.toml`, DEPLOYMENT);
    const { log, lines } = recording();
    const built = await buildPlatform(await loadDeployment(`${dir}/vscmi.toml`, BUILTINS), { log });
    try {
      const hw = clockKind.hwOf(built.platform.env.hw);
      // pll (off on the board, kept) now runs; osc ran already; spare (not kept) stays off.
      assertEquals([0, 1, 2].map((id) => hw[id]!.isEnabled(id)), [true, true, false]);
      const about = lines.filter((l) => l.includes("kept clock"));
      assertEquals(about, ['info: Switching on kept clock "pll" (1): it was off at start-up']);
    } finally {
      await built.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The clock board of the vectors with `pll_audio` (2, off at power-on) kept on. */
function keptBoard(): Board {
  const board = emptyBoard("kept");
  board.drivers.push({ name: "sim", type: "sim", options: {} });
  board.resources.clock = clocks();
  clockKind.of(board)[2].kept = true;
  return board;
}

/** A platform with only the clock protocol over `drv`. */
function platformOn(board: Board, drv: BoardDriver, log: Logger): Platform {
  return new Platform({
    board,
    hw: buildHwTable(board, new Map([["sim", drv]])),
    vendor: TEST_VENDOR,
    agents: [],
    protocols: [clockProtocol],
    log,
  });
}

Deno.test("keep_on clock whose driver refuses to start it → error logged, platform still up", async () => {
  const board = keptBoard();
  const sim = await simDriver.create({ name: "sim", options: { time_scale: 0 }, board });
  const base = clockKind.hw.of(sim)!;
  const failing: ClockHw = {
    getRate: (id) => base.getRate(id),
    setRate: (id, rate, round) => base.setRate(id, rate, round),
    isEnabled: (id) => base.isEnabled(id),
    setEnabled: () => {
      throw new DriverError("hardware", "gate stuck");
    },
  };
  const { log, lines } = recording();
  const p = platformOn(board, { name: "sim", clock: failing }, log);
  await p.ready;
  assertEquals(base.isEnabled(2), false);
  assertEquals(lines.filter((l) => l.includes("kept clock")), [
    'info: Switching on kept clock "pll_audio" (2): it was off at start-up',
    'error: Cannot switch on kept clock "pll_audio" (2): gate stuck',
  ]);
});

Deno.test("keep_on clock already running at boot → left alone, nothing logged", async () => {
  const board = keptBoard();
  clockKind.of(board)[2].kept = false;
  clockKind.of(board)[1].kept = true; // pll_sys: on at power-on
  const sim = await simDriver.create({ name: "sim", options: { time_scale: 0 }, board });
  let calls = 0;
  const base = clockKind.hw.of(sim)!;
  const counting: ClockHw = {
    getRate: (id) => base.getRate(id),
    setRate: (id, rate, round) => base.setRate(id, rate, round),
    isEnabled: (id) => base.isEnabled(id),
    setEnabled: (id, on) => (calls++, base.setEnabled(id, on)),
  };
  const { log, lines } = recording();
  await platformOn(board, { name: "sim", clock: counting }, log).ready;
  assertEquals([base.isEnabled(1), calls], [true, 0]);
  assertEquals(lines.filter((l) => l.includes("kept clock")), []);
});

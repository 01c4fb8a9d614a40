import { assertEquals } from "../../../core/_assert_test.ts";
import { emptyBoard } from "../../../core/board.ts";
import { SystemState } from "../../../plugins/system/hw.ts";
import { createSimSystem, SIM_GRACEFUL_TIMEOUT_MS } from "./system.ts";

Deno.test("sim system: records every request with its mode, in order", () => {
  const hw = createSimSystem(emptyBoard(), "sim", { timeScale: 0 });
  hw.setState(SystemState.SHUTDOWN, true);
  hw.setState(SystemState.WARM_RESET, false);
  assertEquals(hw.history, [
    { state: SystemState.SHUTDOWN, graceful: true },
    { state: SystemState.WARM_RESET, graceful: false },
  ]);
});

Deno.test("sim system: supports the five standard states and no vendor state", () => {
  const hw = createSimSystem(emptyBoard(), "sim", { timeScale: 0 });
  assertEquals([0, 1, 2, 3, 4].map((s) => hw.supports!(s)), [true, true, true, true, true]);
  assertEquals(hw.supports!(5), false);
  assertEquals(hw.supports!(0x80000000), false);
  assertEquals(hw.gracefulTimeoutMs, SIM_GRACEFUL_TIMEOUT_MS);
});

import { powerKind } from "../../../plugins/power/kind.ts";
import { assert, assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { type Board, emptyBoard } from "../../../core/board.ts";
import { DriverError } from "../../../core/driver.ts";
import { PowerState } from "../../../plugins/power/hw.ts";
import { createSimPower } from "./power.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { settled } from "../../../core/_wait_test.ts";

const { ON, OFF } = PowerState;

function board(latencyUs = 0): Board {
  const b = emptyBoard();
  const common = { driver: "sim", latencyUs, async: false };
  powerKind.of(b).push(
    { ...common, id: 0, name: "top", on: false },
    { ...common, id: 1, name: "mid", parent: 0, on: false, states: [0x1] },
    { ...common, id: 2, name: "leaf", parent: 1, on: false },
    { ...common, id: 3, name: "other-driver", on: true, driver: "elsewhere" },
  );
  return b;
}

function faultOf(fn: () => unknown): string {
  return (assertThrows(fn, DriverError) as DriverError).fault;
}

Deno.test("sim power: domains start in their power-on state", () => {
  const b = board();
  powerKind.of(b)[0].on = true;
  const hw = createSimPower(b, "sim", { timeScale: 0 });
  assertEquals(hw.getState(0), ON);
  assertEquals(hw.getState(1), OFF);
});

Deno.test("sim power: a domain under an OFF parent cannot power on → denied", () => {
  const hw = createSimPower(board(), "sim", { timeScale: 0 });
  assertEquals(faultOf(() => hw.setState(1, ON)), "denied");
  assertEquals(faultOf(() => hw.setState(1, 0x1)), "denied");
  assertEquals(hw.getState(1), OFF);
});

Deno.test("sim power: a parent with a child not OFF cannot leave ON → in-use", () => {
  const hw = createSimPower(board(), "sim", { timeScale: 0 });
  hw.setState(0, ON);
  hw.setState(1, 0x1);
  assertEquals(faultOf(() => hw.setState(0, OFF)), "in-use");
  hw.setState(1, OFF);
  hw.setState(0, OFF);
  assertEquals(hw.history, [
    { id: 0, state: ON },
    { id: 1, state: 0x1 },
    { id: 1, state: OFF },
    { id: 0, state: OFF },
  ]);
});

Deno.test("sim power: a state the domain does not declare → invalid; unknown id → invalid", () => {
  const hw = createSimPower(board(), "sim", { timeScale: 0 });
  hw.setState(0, ON);
  assertEquals(faultOf(() => hw.setState(0, 0x1)), "invalid");
  assertEquals(faultOf(() => hw.setState(9, ON)), "invalid");
  assertEquals(faultOf(() => hw.getState(3)), "invalid");
});

Deno.test("sim power: setting the current state is a no-op", () => {
  const hw = createSimPower(board(), "sim", { timeScale: 0 });
  assertEquals(hw.setState(0, OFF), undefined);
  assertEquals(hw.history, []);
});

Deno.test("sim power: latency makes a switch asynchronous; a second switch meanwhile → busy", async () => {
  const clock = new ManualClock();
  const hw = createSimPower(board(5_000), "sim", { timeScale: 1, clock });
  const p = hw.setState(0, ON);
  assert(p instanceof Promise, "a switch with latency returns a promise");
  clock.advance(4.9);
  assert(!await settled(p), "the switch takes its 5 ms latency");
  assertEquals(hw.getState(0), OFF, "the new state shows only when the switch is done");
  assertEquals(faultOf(() => hw.setState(0, OFF)), "busy");
  clock.advance(0.1);
  await p;
  assertEquals(hw.getState(0), ON);
});

Deno.test("sim power: time_scale 0 makes every switch immediate", () => {
  const hw = createSimPower(board(1_000_000), "sim", { timeScale: 0 });
  assertEquals(hw.setState(0, ON), undefined);
  assertEquals(hw.getState(0), ON);
});

Deno.test("sim power: a rejected switch leaves nothing pending", async () => {
  const hw = createSimPower(board(1_000), "sim", { timeScale: 1 });
  assertEquals(faultOf(() => hw.setState(1, ON)), "denied");
  await hw.setState(0, ON);
  await hw.setState(1, ON);
  assertEquals(faultOf(() => hw.setState(0, OFF)), "in-use");
  assertEquals(hw.getState(0), ON);
  await hw.setState(1, OFF);
  await hw.setState(0, OFF);
  assertEquals(hw.getState(0), OFF);
});

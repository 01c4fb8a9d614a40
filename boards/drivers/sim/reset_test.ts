import { resetKind } from "../../../plugins/reset/kind.ts";
import { assert, assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { type Board, emptyBoard } from "../../../core/board.ts";
import { DriverError } from "../../../core/driver.ts";
import { Status } from "../../../core/status.ts";
import { createSimReset } from "./reset.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { settled } from "../../../core/_wait_test.ts";

/** 0: 20 ms; 1: unknown latency; 2: 0 µs with state 0x80000003; 9: another instance's. */
function board(): Board {
  const b = emptyBoard("sim-reset");
  resetKind.of(b).push(
    { id: 0, name: "uart0", driver: "sim", latencyUs: 20_000, async: true },
    { id: 1, name: "gpu", driver: "sim", latencyUs: 0x7fffffff, async: false },
    { id: 2, name: "eth", driver: "sim", latencyUs: 0, async: false, states: [0x80000003] },
    { id: 9, name: "far", driver: "other", latencyUs: 0, async: false },
  );
  return b;
}

function fault(fn: () => unknown): string {
  return (assertThrows(fn, DriverError) as DriverError).fault;
}

Deno.test("every line starts released", () => {
  const hw = createSimReset(board(), "sim", { timeScale: 1 });
  assertEquals([0, 1, 2].map((id) => hw.isAsserted(id)), [false, false, false]);
  assertEquals(hw.history, []);
});

Deno.test("setAsserted holds and releases the line and records each action", () => {
  const hw = createSimReset(board(), "sim", { timeScale: 1 });
  assertEquals(hw.setAsserted(2, true, 0), undefined);
  assertEquals(hw.isAsserted(2), true);
  hw.setAsserted(2, false, 0x80000003);
  assertEquals(hw.isAsserted(2), false);
  assertEquals(hw.history, [
    { id: 2, action: "assert", state: 0 },
    { id: 2, action: "deassert", state: 0x80000003 },
  ]);
});

Deno.test("pulse with time_scale 0 is immediate, counted, and ends released", () => {
  const hw = createSimReset(board(), "sim", { timeScale: 0 });
  assertEquals(hw.pulse(0, 0), undefined);
  assertEquals(hw.isAsserted(0), false);
  assertEquals(hw.pulses(0), 1);
  assertEquals(hw.history, [{ id: 0, action: "pulse", state: 0 }]);
});

Deno.test("pulse with latency really waits: asserted until latency × time_scale has passed", async () => {
  const clock = new ManualClock();
  const hw = createSimReset(board(), "sim", { timeScale: 1, clock });
  const p = hw.pulse(0, 0);
  assert(p instanceof Promise, "a pulse with latency is asynchronous");
  clock.advance(19.9);
  assert(!await settled(p), "the pulse lasts its 20 ms");
  assertEquals(hw.isAsserted(0), true);
  clock.advance(0.1);
  await p;
  assertEquals(hw.isAsserted(0), false);
});

Deno.test("pulse from the asserted state ends released", () => {
  const hw = createSimReset(board(), "sim", { timeScale: 0 });
  hw.setAsserted(2, true, 0);
  hw.pulse(2, 0);
  assertEquals(hw.isAsserted(2), false);
});

Deno.test("unknown latency (0x7fffffff) does not wait", () => {
  const hw = createSimReset(board(), "sim", { timeScale: 1 });
  assertEquals(hw.pulse(1, 0), undefined);
  assertEquals(hw.isAsserted(1), false);
});

Deno.test("any action during a pulse → DriverError busy (BUSY)", async () => {
  const clock = new ManualClock();
  const hw = createSimReset(board(), "sim", { timeScale: 0.1, clock });
  const p = hw.pulse(0, 0);
  assertEquals(fault(() => hw.setAsserted(0, false, 0)), "busy");
  assertEquals(fault(() => hw.pulse(0, 0)), "busy");
  clock.advance(2);
  await p;
  hw.setAsserted(0, true, 0);
  assertEquals(hw.pulses(0), 1);
});

Deno.test("declared IMPLEMENTATION DEFINED state is accepted, others → unsupported", () => {
  const hw = createSimReset(board(), "sim", { timeScale: 0 });
  hw.pulse(2, 0x80000003);
  assertEquals(fault(() => hw.pulse(2, 0x80000004)), "unsupported");
  assertEquals(fault(() => hw.setAsserted(0, true, 0x80000003)), "unsupported");
  const e = assertThrows(() => hw.pulse(1, 0x80000001), DriverError) as DriverError;
  assertEquals(e.status, Status.NOT_SUPPORTED);
  assertEquals(hw.pulses(2), 1);
});

Deno.test("reserved architectural state → invalid (INVALID_PARAMETERS), nothing done", () => {
  const hw = createSimReset(board(), "sim", { timeScale: 0 });
  assertEquals(fault(() => hw.setAsserted(2, true, 1)), "invalid");
  assertEquals(hw.isAsserted(2), false);
  assertEquals(hw.history, []);
});

Deno.test("a domain another driver instance backs → invalid", () => {
  const hw = createSimReset(board(), "sim", { timeScale: 0 });
  assertEquals(fault(() => hw.isAsserted(9)), "invalid");
  assertEquals(fault(() => hw.pulse(9, 0)), "invalid");
  assertEquals(fault(() => hw.setAsserted(7, true, 0)), "invalid");
  assertEquals(hw.pulses(9), 0);
});

import { powercapKind } from "../../../plugins/powercap/kind.ts";
import { assert, assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { type Board, emptyBoard } from "../../../core/board.ts";
import { DriverError } from "../../../core/driver.ts";
import { createSimPowercap, loadOf } from "./powercap.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { settled } from "../../../core/_wait_test.ts";

/**
 * 0: caps 1–5 W step 0.5 W, can disable, PAI 1–10 ms step 1 ms, 20 ms to apply, load from 1 W
 * to 3 W and back over 1 s. 1: fixed cap 2 W, default load. 9: another instance's.
 */
function board(): Board {
  const b = emptyBoard("sim-powercap");
  powercapKind.of(b).push(
    {
      id: 0,
      name: "soc",
      driver: "sim",
      minCap: 1_000_000,
      maxCap: 5_000_000,
      capStep: 500_000,
      cap: 5_000_000,
      minPai: 1_000,
      maxPai: 10_000,
      paiStep: 1_000,
      pai: 1_000,
      canDisable: true,
      latencyUs: 20_000,
      load: { min: 1_000_000, max: 3_000_000, periodMs: 1_000 },
    },
    {
      id: 1,
      name: "fixed",
      driver: "sim",
      minCap: 2_000_000,
      maxCap: 2_000_000,
      capStep: 0,
      cap: 2_000_000,
      minPai: 1_000,
      maxPai: 1_000,
      paiStep: 0,
      pai: 1_000,
    },
    {
      id: 9,
      name: "far",
      driver: "other",
      minCap: 1,
      maxCap: 1,
      capStep: 0,
      cap: 1,
      minPai: 1,
      maxPai: 1,
      paiStep: 0,
      pai: 1,
    },
  );
  return b;
}

function fault(fn: () => unknown): string {
  return (assertThrows(fn, DriverError) as DriverError).fault;
}

/** A sim on a clock the test moves: `at(t)` sets the time in ms. */
function manual(timeScale = 0) {
  let t = 0;
  const clock = new ManualClock();
  const hw = createSimPowercap(board(), "sim", { timeScale, clock }, () => t);
  return { hw, at: (ms: number) => void (t = ms), clock };
}

Deno.test("every controller starts at its power-on cap and PAI", () => {
  const { hw } = manual();
  assertEquals([hw.getCap(0), hw.getPai(0), hw.getCap(1), hw.getPai(1)], [
    5_000_000,
    1_000,
    2_000_000,
    1_000,
  ]);
});

Deno.test("setCap takes only declared caps; 0 only where capping can be disabled", () => {
  const { hw } = manual();
  for (const cap of [1_250_000, 500_000, 5_500_000]) {
    assertEquals(fault(() => hw.setCap(0, cap)), "range");
  }
  assertEquals(fault(() => hw.setCap(1, 0)), "range", "fixed cannot disable capping");
  assertEquals(fault(() => hw.setCap(1, 2_500_000)), "range");
  hw.setCap(0, 1_500_000);
  hw.setCap(0, 0);
  hw.setCap(1, 2_000_000);
  assertEquals([hw.getCap(0), hw.getCap(1)], [0, 2_000_000]);
  assertEquals(hw.history, [
    { id: 0, cap: 1_500_000 },
    { id: 0, cap: 0 },
    { id: 1, cap: 2_000_000 },
  ]);
});

Deno.test("setPai takes only declared intervals", () => {
  const { hw } = manual();
  for (const us of [0, 500, 1_500, 11_000]) assertEquals(fault(() => hw.setPai(0, us)), "range");
  assertEquals(fault(() => hw.setPai(1, 2_000)), "range");
  hw.setPai(0, 10_000);
  assertEquals(hw.getPai(0), 10_000);
});

Deno.test("a cap with latency takes latency × time_scale; a newer one supersedes it", async () => {
  const { hw, clock } = manual(1);
  const out = hw.setCap(0, 2_000_000);
  assert(out instanceof Promise, "a 20 ms change is asynchronous");
  assertEquals(hw.getCap(0), 5_000_000, "not in force yet");
  clock.advance(5);
  const newer = hw.setCap(0, 3_000_000);
  clock.advance(15);
  await out;
  assertEquals(hw.getCap(0), 5_000_000, "the superseded cap never lands");
  clock.advance(4.9);
  assert(!await settled(newer), "the newer cap takes its own 20 ms");
  assertEquals(hw.getCap(0), 5_000_000);
  clock.advance(0.1);
  await newer;
  assertEquals(hw.getCap(0), 3_000_000);
  assertEquals(hw.history, [{ id: 0, cap: 3_000_000 }]);
});

Deno.test("the load is a triangle from min to max and back over its period", () => {
  const { hw } = manual();
  assertEquals(
    [0, 250, 500, 750, 1_000, 1_250, -250].map((t) => hw.demand(0, t)),
    [1_000_000, 2_000_000, 3_000_000, 2_000_000, 1_000_000, 2_000_000, 2_000_000],
  );
});

Deno.test("measure averages eight samples over the last PAI, clipped to the cap", () => {
  const { hw, at } = manual();
  at(250);
  // Samples at 249 + k/8 ms (k = 1…8) on the rising edge 1 W + 4000 µW/ms: mean
  // 1_000_000 + 4000 × 249.5625 = 1_998_250.
  assertEquals(hw.measure(0), 1_998_250);
  hw.setPai(0, 8_000);
  // Samples at 242…250 ms in 1 ms steps: mean time 246.5 → 1_986_000.
  assertEquals(hw.measure(0), 1_986_000);
  hw.setCap(0, 1_500_000);
  assertEquals(hw.measure(0), 1_500_000, "the whole window is above the cap");
  hw.setCap(0, 0);
  at(500);
  hw.setPai(0, 1_000);
  assert(hw.measure(0) > 2_990_000, "uncapped near the peak");
});

Deno.test("the default load swings from half the minimum cap to the maximum over 10 s", () => {
  const d = powercapKind.of(board())[1];
  assertEquals(loadOf(d), { min: 1_000_000, max: 2_000_000, periodMs: 10_000 });
  const { hw, at } = manual();
  at(5_000);
  // Samples at 4999 + k/8 ms on the rising edge 1 W + 200 µW/ms: mean 1_999_912.5.
  const v = hw.measure(1);
  assert(Math.abs(v - 1_999_912.5) <= 0.5, `measured ${v}`);
});

Deno.test("a domain another instance drives → DriverError invalid", () => {
  const { hw } = manual();
  assertEquals(fault(() => hw.getCap(9)), "invalid");
  assertEquals(fault(() => hw.measure(9)), "invalid");
});

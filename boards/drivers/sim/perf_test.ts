import { perfKind } from "../../../plugins/perf/kind.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../../../core/_assert_test.ts";
import { type Board, emptyBoard } from "../../../core/board.ts";
import { DriverError } from "../../../core/driver.ts";
import { Status } from "../../../core/status.ts";
import { createSimPerf } from "./perf.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { settled } from "../../../core/_wait_test.ts";

/** Domain 0 "cpu": levels 100/200/400 (latency 1/2/4 ms), boot at 200. Domain 1 approximates. */
function board(): Board {
  const b = emptyBoard("sim-perf");
  const levels = [100, 200, 400].map((level) => ({
    level,
    power: level,
    latencyUs: level * 10,
    freqKhz: level * 1000,
  }));
  const cpu = {
    id: 0,
    name: "cpu",
    driver: "sim",
    levels,
    level: 200,
    sustainedFreqKhz: 200000,
    sustainedLevel: 200,
    rateLimitUs: 0,
  };
  perfKind.of(b).push(
    cpu,
    { ...cpu, id: 1, name: "gpu", approximate: true },
    { ...cpu, id: 2, name: "elsewhere", driver: "other" },
  );
  return b;
}

const now = (timeScale = 0) => createSimPerf(board(), "sim", { timeScale });

function rangeError(fn: () => unknown): void {
  const e = assertThrows(fn, DriverError);
  assertEquals((e as DriverError).status, Status.OUT_OF_RANGE);
}

Deno.test("sim perf starts at the power-on level and runs only declared levels", () => {
  const hw = now();
  assertEquals(hw.getLevel(0), 200);
  assertEquals(hw.setLevel(0, 400), 400);
  assertEquals(hw.getLevel(0), 400);
  rangeError(() => hw.setLevel(0, 300));
  assertEquals(hw.getLevel(0), 400);
});

Deno.test("sim perf backs only its own driver's domains", () => {
  assertThrows(() => now().getLevel(2), RangeError);
});

Deno.test("sim perf: an approximating domain runs the nearest level, the lower one on a tie", () => {
  const hw = now();
  assertEquals(hw.setLevel(1, 350), 400);
  assertEquals(hw.setLevel(1, 150), 100);
  assertEquals(hw.setLevel(1, 160), 200);
  assertEquals(hw.getLevel(1), 200);
});

Deno.test("sim perf holds its limits: levels outside are refused, the level is clamped inside", () => {
  const hw = now();
  assertEquals(hw.setLevel(0, 400), 400);
  assertEquals(hw.setLimits(0, 100, 300), 200);
  assertEquals(hw.getLevel(0), 200);
  rangeError(() => hw.setLevel(0, 400));
  assertEquals(hw.setLimits(0, 150, 400), 200);
  rangeError(() => hw.setLevel(0, 100));
  assertEquals(hw.setLimits(0, 300, 400), 400);
});

Deno.test("sim perf: an approximating domain looks for the nearest level inside its limits", () => {
  const hw = now();
  hw.setLimits(1, 100, 300);
  assertEquals(hw.setLevel(1, 290), 200);
  rangeError(() => hw.setLevel(1, 350));
});

Deno.test("sim perf refuses limits that admit no level (OUT_OF_RANGE) or are reversed", () => {
  const hw = now();
  rangeError(() => hw.setLimits(0, 250, 350));
  const e = assertThrows(() => hw.setLimits(0, 400, 100), DriverError) as DriverError;
  assertEquals(e.status, Status.INVALID_PARAMETERS);
  assertEquals(hw.getLevel(0), 200);
  assertEquals(hw.setLevel(0, 100), 100);
});

Deno.test("sim perf with time_scale > 0 takes the target level's latency, asynchronously", async () => {
  const clock = new ManualClock();
  const hw = createSimPerf(board(), "sim", { timeScale: 1, clock });
  const p = hw.setLevel(0, 400);
  assert(p instanceof Promise, "a 4 ms transition is asynchronous");
  clock.advance(3.9);
  assert(!await settled(p), "it takes the 4 ms latency of level 400");
  assertEquals(hw.getLevel(0), 200);
  clock.advance(0.1);
  assertEquals(await p, 400);
  assertEquals(hw.getLevel(0), 400);
  assertEquals(hw.setLevel(0, 400), 400, "staying at a level is immediate");
});

Deno.test("sim perf runs one domain's transitions in request order", async () => {
  const hw = now(1);
  const slow = hw.setLevel(0, 400);
  const fast = hw.setLevel(0, 100);
  assert(fast instanceof Promise, "the second waits for the first");
  assertEquals(await Promise.all([slow, fast]), [400, 100]);
  assertEquals(hw.getLevel(0), 100);
});

Deno.test("sim perf: a refused transition queued behind another rejects, the queue goes on", async () => {
  const hw = now(1);
  const first = hw.setLevel(0, 400);
  const bad = hw.setLevel(0, 300);
  const next = hw.setLevel(0, 100);
  await assertRejects(() => Promise.resolve(bad), DriverError);
  assertEquals(await first, 400);
  assertEquals(await next, 100);
});

Deno.test("sim perf: clamping by new limits takes the latency too", async () => {
  const hw = now(1);
  const p = hw.setLimits(0, 300, 400);
  assert(p instanceof Promise, "moving to 400 takes 4 ms");
  assertEquals(await p, 400);
  rangeError(() => hw.setLevel(0, 200));
});

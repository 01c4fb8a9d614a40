import { assert, assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { type Board, emptyBoard } from "../../../core/board.ts";
import type { ClockDesc } from "../../../plugins/clock/kind.ts";
import { DriverError } from "../../../core/driver.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { settled } from "../../../core/_wait_test.ts";
import { createSimClock, snapRate } from "./clock.ts";

const MHZ = 1_000_000;

function clock(over: Partial<ClockDesc> & { id: number }): ClockDesc {
  return {
    name: `c${over.id}`,
    driver: "sim",
    rates: { kind: "list", rates: [MHZ] },
    rate: MHZ,
    enabled: false,
    parents: [],
    latencyUs: 0,
    ...over,
  };
}

function board(...clocks: ClockDesc[]): Board {
  const b = emptyBoard();
  b.resources.clock = clocks;
  return b;
}

const LIST = clock({ id: 0, rates: { kind: "list", rates: [10, 20, 40] }, rate: 10 });
const RANGE = clock({ id: 1, rates: { kind: "range", min: 100, max: 1000, step: 100 }, rate: 100 });

function range(e: unknown): boolean {
  return e instanceof DriverError && e.fault === "range";
}

Deno.test("list rates snap down, up or to the nearest (a tie to the lower)", () => {
  assertEquals(snapRate(LIST, 20, "up"), 20);
  assertEquals(snapRate(LIST, 25, "down"), 20);
  assertEquals(snapRate(LIST, 25, "up"), 40);
  assertEquals(snapRate(LIST, 25, "nearest"), 20);
  assertEquals(snapRate(LIST, 31, "nearest"), 40);
  assertEquals(snapRate(LIST, 30, "nearest"), 20);
  assertEquals(snapRate(LIST, 10, "down"), 10);
  assertEquals(snapRate(LIST, 40, "up"), 40);
});

Deno.test("a rate outside the list → DriverError range, whatever the round mode", () => {
  for (const r of [9, 41, NaN]) {
    for (const round of ["down", "up", "nearest"] as const) {
      const e = assertThrows(() => snapRate(LIST, r, round), DriverError);
      assert(range(e));
    }
  }
});

Deno.test("range rates take min + k·step", () => {
  assertEquals(snapRate(RANGE, 250, "down"), 200);
  assertEquals(snapRate(RANGE, 250, "up"), 300);
  assertEquals(snapRate(RANGE, 250, "nearest"), 200);
  assertEquals(snapRate(RANGE, 251, "nearest"), 300);
  assertEquals(snapRate(RANGE, 1000, "up"), 1000);
  assert(range(assertThrows(() => snapRate(RANGE, 99, "up"))));
  assert(range(assertThrows(() => snapRate(RANGE, 1001, "down"))));
});

Deno.test("a range whose max is off the grid tops out at the highest grid rate", () => {
  const odd = clock({ id: 2, rates: { kind: "range", min: 100, max: 950, step: 100 } });
  assertEquals(snapRate(odd, 940, "up"), 900);
  assertEquals(snapRate(odd, 950, "nearest"), 900);
});

Deno.test("a range with step 0 takes any rate inside it", () => {
  const free = clock({ id: 3, rates: { kind: "range", min: 100, max: 200, step: 0 } });
  assertEquals(snapRate(free, 123, "down"), 123);
});

Deno.test("setRate is synchronous at time scale 0 and returns the rate set", () => {
  const hw = createSimClock(board(LIST), "sim", { timeScale: 0 });
  assertEquals(hw.setRate(0, 25, "up"), 40);
  assertEquals(hw.getRate(0), 40);
});

Deno.test("setRate of a slow clock resolves after its latency; the old rate reads meanwhile", async () => {
  const slow = clock({ id: 0, rates: { kind: "list", rates: [10, 20] }, rate: 10, latencyUs: 15 });
  const time = new ManualClock();
  const hw = createSimClock(board(slow), "sim", { timeScale: 1000, clock: time });
  const out = hw.setRate(0, 20, "down");
  assert(out instanceof Promise);
  time.advance(14.9);
  assert(!await settled(out), "still changing before its 15 ms");
  assertEquals(hw.getRate(0), 10);
  time.advance(0.1);
  assertEquals(await out, 20);
  assertEquals(hw.getRate(0), 20);
});

Deno.test("setRate out of range throws before any wait", () => {
  const slow = clock({ id: 0, latencyUs: 1000 });
  const hw = createSimClock(board(slow), "sim", { timeScale: 1 });
  assert(range(assertThrows(() => hw.setRate(0, 5 * MHZ, "down"))));
});

Deno.test("a stopped parent gates its children; enabling under it → DriverError denied", () => {
  const b = board(
    clock({ id: 0, enabled: true }),
    clock({ id: 1, parent: 0 }),
    clock({ id: 2, parent: 1 }),
  );
  const hw = createSimClock(b, "sim", { timeScale: 0 });
  const e = assertThrows(() => hw.setEnabled(2, true), DriverError);
  assertEquals((e as DriverError).fault, "denied");
  assertEquals(hw.isEnabled(2), false);
  hw.setEnabled(1, true);
  hw.setEnabled(2, true);
  assertEquals(hw.isRunning(2), true);
  hw.setEnabled(0, false);
  assertEquals([hw.isEnabled(2), hw.isRunning(2), hw.isRunning(1)], [true, false, false]);
  assertEquals(hw.getRate(2), MHZ, "a gated clock keeps its programmed rate");
  hw.setEnabled(0, true);
  assertEquals(hw.isRunning(2), true);
  hw.setEnabled(2, false);
  hw.setEnabled(2, false);
  assertEquals(hw.isEnabled(2), false);
});

Deno.test("enable latency delays the enable", async () => {
  const time = new ManualClock();
  const hw = createSimClock(board(clock({ id: 0, enableLatencyUs: 10 })), "sim", {
    timeScale: 1000,
    clock: time,
  });
  const out = hw.setEnabled(0, true);
  assert(out instanceof Promise);
  time.advance(9.9);
  assert(!await settled(out), "still enabling before its 10 ms");
  assertEquals(hw.isEnabled(0), false);
  time.advance(0.1);
  await out;
  assertEquals(hw.isEnabled(0), true);
});

Deno.test("a parent served by another driver instance counts as running", () => {
  const b = board(clock({ id: 0, driver: "other" }), clock({ id: 1, parent: 0 }));
  const hw = createSimClock(b, "sim", { timeScale: 0 });
  hw.setEnabled(1, true);
  assertEquals(hw.isRunning(1), true);
});

Deno.test("parents switch among the declared ones; others and loops → DriverError invalid", () => {
  const b = board(
    clock({ id: 0, enabled: true }),
    clock({ id: 1, parents: [0, 2], parent: 0 }),
    clock({ id: 2, parents: [0, 1], parent: 0 }),
    clock({ id: 3, parent: 0 }),
  );
  const hw = createSimClock(b, "sim", { timeScale: 0 });
  hw.setParent(1, 2);
  assertEquals(hw.getParent(1), 2);
  const loop = assertThrows(() => hw.setParent(2, 1), DriverError);
  assertEquals((loop as DriverError).fault, "invalid");
  const undeclared = assertThrows(() => hw.setParent(1, 3), DriverError);
  assertEquals((undeclared as DriverError).fault, "invalid");
  hw.setParent(3, 0);
  assertThrows(() => hw.setParent(3, 1), DriverError);
  assertEquals(hw.getParent(3), 0);
  assertEquals(hw.getParent(0), -1);
});

Deno.test("a board whose parent chain loops is refused", () => {
  const b = board(clock({ id: 0, parent: 1 }), clock({ id: 1, parent: 0 }));
  assertThrows(() => createSimClock(b, "sim", { timeScale: 0 }), TypeError, "loops");
});

Deno.test("extended configuration values are stored per type; other types → unsupported", () => {
  const c = clock({ id: 0, oemConfig: [{ type: 1, value: 50 }, { type: 0x80, value: 7 }] });
  const hw = createSimClock(board(c), "sim", { timeScale: 0 });
  assertEquals([hw.getOemConfig(0, 1), hw.getOemConfig(0, 0x80)], [50, 7]);
  hw.setOemConfig(0, 0x80, 0xffff_ffff);
  assertEquals(hw.getOemConfig(0, 0x80), 0xffff_ffff);
  const e = assertThrows(() => hw.getOemConfig(0, 2), DriverError);
  assertEquals((e as DriverError).fault, "unsupported");
  assertThrows(() => hw.setOemConfig(0, 0x81, 1), DriverError);
});

Deno.test("a clock the instance does not drive → TypeError", () => {
  const hw = createSimClock(board(clock({ id: 0, driver: "other" })), "sim", { timeScale: 0 });
  assertThrows(() => hw.getRate(0), TypeError);
});

Deno.test("a repeated setRate snaps again after a change of round mode or a refused rate", () => {
  const hw = createSimClock(board(LIST), "sim", { timeScale: 0 });
  assertEquals(hw.setRate(0, 25, "down"), 20);
  assertEquals(hw.setRate(0, 25, "down"), 20);
  assertEquals(hw.setRate(0, 25, "up"), 40);
  assert(range(assertThrows(() => hw.setRate(0, 50, "up"))));
  assertEquals(hw.getRate(0), 40, "a refused rate leaves the clock alone");
  assertEquals(hw.setRate(0, 25, "nearest"), 20);
  assertEquals(hw.setRate(0, 25, "up"), 40);
});

/**
 * Regmap clocks at register level: gates on write-masked and plain windows, rates read back
 * through mux and divider chains, rate requests choosing parent and divisor, the divider
 * formulas and tables, host-managed clocks, and dry runs.
 * @module
 */
import { assert, assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { DriverError } from "../../../core/driver.ts";
import { Status } from "../../../core/status.ts";
import type { RegmapClocks } from "./clock.ts";
import { CLOCK_BOARD, rig } from "./_fixture.ts";

const clocks = (r: ReturnType<typeof rig>) => r.driver.clock as RegmapClocks;

function driverFault(fn: () => unknown): DriverError {
  return assertThrows(fn, DriverError) as DriverError;
}

Deno.test("a gate on a write-masked window writes its enable in the upper half and reads back", () => {
  const r = rig(CLOCK_BOARD);
  const c = clocks(r);
  const a = r.words.get("a")!;
  assert(c.isEnabled(3), "active-low gate reads 0: enabled");
  c.setEnabled(3, false);
  assertEquals(a[0x20 / 4], 0x0008_0008);
  assertEquals(c.isEnabled(3), false);
  c.setEnabled(3, true);
  assertEquals(a[0x20 / 4], 0x0008_0000);
  assertEquals(c.isEnabled(3), true);
  assertEquals([...a].filter((w, i) => w !== 0 && i !== 0x20 / 4), []);
});

Deno.test("a gate on a plain window is a read-modify-write that keeps every other bit", () => {
  const r = rig(CLOCK_BOARD, { init: { b: { 0: 0xf0f0_000f } } });
  const c = clocks(r);
  const b = r.words.get("b")!;
  assertEquals(c.isEnabled(4), false);
  c.setEnabled(4, true);
  assertEquals(b[0], 0xf0f0_002f);
  assert(c.isEnabled(4));
  c.setEnabled(4, false);
  assertEquals(b[0], 0xf0f0_000f);
});

Deno.test("rates read back through the mux and divider chain as the registers hold them", () => {
  const r = rig(CLOCK_BOARD);
  const c = clocks(r);
  assertEquals([c.getParent(2), c.getRate(2), c.getRate(3)], [0, 24_000_000, 24_000_000]);
  r.words.get("a")![0x10 / 4] = 0x15; // mux 1 (pll), divider field 5: ÷6
  assertEquals([c.getParent(2), c.getRate(2), c.getRate(3)], [1, 200_000_000, 200_000_000]);
  r.words.get("b")![0x4 / 4] = 3 << 8; // pow2: ÷8
  assertEquals(c.getRate(5), 150_000_000);
  r.words.get("b")![0x8 / 4] = 1; // table: value 1 is ÷3
  assertEquals(c.getRate(6), 400_000_000);
});

Deno.test("a divider value the table leaves out is a hardware error", () => {
  const r = rig(CLOCK_BOARD, { init: { b: { 0x8: 3 }, a: { 0x10: 0 } } });
  const c = clocks(r);
  assertEquals(driverFault(() => c.getRate(6)).status, Status.HARDWARE_ERROR);
});

Deno.test("setRate picks parent and divisor as the rounding asks, in one write per register", () => {
  const r = rig(CLOCK_BOARD);
  const c = clocks(r);
  const a = r.words.get("a")!;
  assertEquals(c.setRate(2, 100_000_000, "nearest"), 100_000_000);
  assertEquals(a[0x10 / 4], 0x001f_001b); // mux 1 and divider 11 (÷12), enabled together
  assertEquals(c.setRate(2, 130_000_000, "down"), 120_000_000);
  assertEquals(a[0x10 / 4], 0x001f_0019);
  assertEquals(c.setRate(2, 130_000_000, "up"), 133_333_334);
  assertEquals(c.setRate(2, 24_000_000, "nearest"), 24_000_000);
  assertEquals(c.getParent(2), 0, "24 MHz comes from the oscillator undivided");
  assertEquals(driverFault(() => c.setRate(2, 1_500_000_000, "up")).status, Status.OUT_OF_RANGE);
});

Deno.test("a rate request on a gate goes to its parent; a fixed rate takes only itself", () => {
  const r = rig(CLOCK_BOARD);
  const c = clocks(r);
  assertEquals(c.setRate(3, 120_000_000, "nearest"), 120_000_000);
  assertEquals([c.getParent(2), c.getRate(2)], [1, 120_000_000]);
  assertEquals(c.setRate(0, 24_000_000, "nearest"), 24_000_000);
  assertEquals(driverFault(() => c.setRate(0, 25_000_000, "up")).status, Status.OUT_OF_RANGE);
});

Deno.test("setParent writes the mux field only; a clock without a mux keeps its parent", () => {
  const r = rig(CLOCK_BOARD);
  const c = clocks(r);
  c.setParent(2, 1);
  assertEquals(r.words.get("a")![0x10 / 4], 0x0010_0010);
  assertEquals(driverFault(() => c.setParent(2, 4)).status, Status.INVALID_PARAMETERS);
  c.setParent(4, 0);
  assertEquals(driverFault(() => c.setParent(4, 1)).status, Status.INVALID_PARAMETERS);
  assertEquals(r.words.get("b")![0], 0);
});

Deno.test("a host-managed clock is read, never written, and access says why", () => {
  const r = rig(CLOCK_BOARD);
  const c = clocks(r);
  assert(c.isEnabled(7));
  assertEquals(driverFault(() => c.setEnabled(7, false)).status, Status.DENIED);
  assertEquals(r.words.get("a")![0x30 / 4], 0);
  const host = r.driver.access!("clock", 7);
  assertEquals([host.read, host.write], [true, false]);
  assert(host.why?.includes("host kernel"), host.why);
  assertEquals(r.driver.access!("clock", 3), { read: true, write: true });
  assertEquals(r.driver.access!("clock", 0).write, false);
  assertEquals(r.driver.access!("clock", 99).read, false);
});

Deno.test("a dry run logs each write and leaves the device's words as they were", () => {
  const r = rig(CLOCK_BOARD, { dryRun: true });
  const c = clocks(r);
  c.setEnabled(3, false);
  assertEquals(r.words.get("a")![0x20 / 4], 0, "the device is untouched");
  assertEquals(c.isEnabled(3), false, "the copy keeps the write");
  assertEquals(
    r.logs.filter((l) => l.includes("dry run")),
    ['info: dry run: regmap "r" would write 0x00080008 to 0x000001020 (a + 0x020)'],
  );
});

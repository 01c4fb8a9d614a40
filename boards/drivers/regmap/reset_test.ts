/**
 * Regmap resets at register level: held and released through their bit (active high and
 * active low), pulses held for the domain's latency on an injected clock, self-clearing bits,
 * and reset states the hardware lacks.
 * @module
 */
import { assert, assertEquals, assertRejects, assertThrows } from "../../../core/_assert_test.ts";
import { settled } from "../../../core/_wait_test.ts";
import { DriverError } from "../../../core/driver.ts";
import { Status } from "../../../core/status.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import type { ResetHw } from "../../../plugins/reset/hw.ts";
import { rig } from "./_fixture.ts";

const BOARD = `
[board]
name = "t"
[[driver]]
name = "r"
type = "regmap"
[driver.options]
windows = { cru = { base = 0xfd7c0000, size = 0x1000, write_mask = true } }
[driver.options.resets]
# ids need not follow the bits: 88 is bit 2 of one register, 7 bit 0 of the next
srst_a = { reg = 0xa30, bit = 2 }
srst_b = { reg = 0xa34, bit = 0, active_low = true }
srst_c = { reg = 0xa34, bit = 5, self_clearing = true }
[[reset]]
id = 88
name = "srst_a"
latency_us = 20
[[reset]]
id = 7
name = "srst_b"
[[reset]]
id = 9
name = "srst_c"
`;

Deno.test("a reset is held and released through its own bit, active low as declared", () => {
  const r = rig(BOARD);
  const reset = r.driver.reset as ResetHw;
  const w = r.words.get("cru")!;
  assertEquals(reset.isAsserted(88), false);
  reset.setAsserted(88, true, 0);
  assertEquals(w[0xa30 / 4], 0x0004_0004);
  assert(reset.isAsserted(88));
  reset.setAsserted(7, true, 0);
  assertEquals(w[0xa34 / 4], 0x0001_0000);
  assert(reset.isAsserted(7));
  reset.setAsserted(7, false, 0);
  assertEquals(w[0xa34 / 4], 0x0001_0001);
  assertEquals(reset.isAsserted(7), false);
});

Deno.test("a pulse asserts, holds for the domain's latency on the clock, then releases", async () => {
  const clock = new ManualClock();
  const r = rig(BOARD, { clock });
  const reset = r.driver.reset as ResetHw;
  const w = r.words.get("cru")!;
  const p = reset.pulse(88, 0);
  assertEquals(w[0xa30 / 4], 0x0004_0004, "asserted at once");
  assertEquals(await settled(p), false, "held while the latency runs");
  clock.advance(0.019);
  assertEquals(await settled(p), false);
  clock.advance(0.001);
  await p;
  assertEquals(w[0xa30 / 4], 0x0004_0000, "released");
  assertEquals(reset.isAsserted(88), false);
});

Deno.test("a self-clearing reset is pulsed with one write and cannot be held", () => {
  const r = rig(BOARD);
  const reset = r.driver.reset as ResetHw;
  const w = r.words.get("cru")!;
  assertEquals(reset.pulse(9, 0), undefined, "nothing to wait for");
  assertEquals(w[0xa34 / 4], 0x0020_0020);
  assertEquals(reset.isAsserted(9), false);
  const e = assertThrows(() => reset.setAsserted(9, true, 0), DriverError) as DriverError;
  assertEquals(e.status, Status.NOT_SUPPORTED);
});

Deno.test("a reset state other than cold reset is not supported and writes nothing", async () => {
  const r = rig(BOARD);
  const reset = r.driver.reset as ResetHw;
  const e = assertThrows(
    () => reset.setAsserted(88, true, 0x8000_0001),
    DriverError,
  ) as DriverError;
  assertEquals(e.status, Status.NOT_SUPPORTED);
  await assertRejects(async () => await reset.pulse(88, 0x8000_0001), DriverError);
  assertEquals([...r.words.get("cru")!].every((x) => x === 0), true);
});

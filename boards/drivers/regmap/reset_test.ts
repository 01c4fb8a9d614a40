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
import { readBoardText, rig } from "./_fixture.ts";

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

const PAIR = `
[board]
name = "t"
[[driver]]
name = "r"
type = "regmap"
[driver.options]
windows = { src = { base = 0x30000, size = 0x20 } }
[driver.options.resets]
# a set/clear register pair: 0x4 sets (and reads the state), 0x8 clears
srst_x = { reg = 0x4, bit = 3, deassert = { reg = 0x8, bit = 3 } }
[[reset]]
id = 12
name = "srst_x"
`;

Deno.test("a set/clear pair writes a lone one to the set, then to the clear register", () => {
  const r = rig(PAIR, { init: { src: { 0x4: 0b1_0001 } } }); // other lines held in reset
  const reset = r.driver.reset as ResetHw;
  const w = r.words.get("src")!;
  assertEquals(reset.isAsserted(12), false);
  reset.setAsserted(12, true, 0);
  assertEquals(w[1], 0b1000, "only bit 3: writing back the other ones is not this line's to do");
  assert(reset.isAsserted(12));
  reset.setAsserted(12, false, 0);
  assertEquals(w[2], 0b1000);
});

Deno.test("a deassert bit on a self-clearing or active-low reset is refused at its key", () => {
  const text = PAIR.replace("deassert = {", "self_clearing = true, deassert = {");
  assertEquals(readBoardText(text).problems, [
    "11 driver[0].options.resets.srst_x.deassert: Expected a deassert bit only on a reset neither self-clearing nor active low, got a table",
  ]);
});

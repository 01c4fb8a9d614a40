/**
 * Regmap power domains at register level: the request bit written, the status bit polled on
 * an injected clock until it answers or the timeout passes, and the parent and child rules.
 * @module
 */
import { assertEquals, assertRejects, assertThrows } from "../../../core/_assert_test.ts";
import { settled } from "../../../core/_wait_test.ts";
import { DriverError } from "../../../core/driver.ts";
import { Status } from "../../../core/status.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { type PowerHw, PowerState } from "../../../plugins/power/hw.ts";
import { rig } from "./_fixture.ts";

const BOARD = `
[board]
name = "t"
[[driver]]
name = "r"
type = "regmap"
[driver.options]
windows = { pmu = { base = 0x10000, size = 0x200, write_mask = true } }
[driver.options.power_domains]
pd_top = { req = { reg = 0x140, bit = 0, active_low = true }, status = { reg = 0x180, bit = 0 }, timeout_us = 100, poll_us = 10 }
pd_gpu = { req = { reg = 0x140, bit = 1, active_low = true }, status = { reg = 0x180, bit = 1 }, timeout_us = 100, poll_us = 10 }
[[power]]
id = 0
name = "pd_top"
[[power]]
id = 1
name = "pd_gpu"
parent = "pd_top"
`;

Deno.test("switching on writes the request and resolves once the status bit reports on", async () => {
  const clock = new ManualClock();
  const r = rig(BOARD, { clock });
  const pd = r.driver.power as PowerHw;
  const w = r.words.get("pmu")!;
  assertEquals(pd.getState(0), PowerState.OFF);
  const p = pd.setState(0, PowerState.ON);
  assertEquals(w[0x140 / 4], 0x0001_0000, "active-low request: 0 asks for on");
  clock.advance(0.03);
  assertEquals(await settled(p), false, "the status still says off");
  w[0x180 / 4] = 1; // the hardware reports on
  clock.advance(0.01);
  await p;
  assertEquals(pd.getState(0), PowerState.ON);
});

Deno.test("a status that never answers fails with HARDWARE_ERROR once the timeout passes", async () => {
  const clock = new ManualClock();
  const r = rig(BOARD, { clock });
  const pd = r.driver.power as PowerHw;
  const p = pd.setState(0, PowerState.ON) as Promise<void>;
  const failed = assertRejects(() => p, DriverError);
  clock.advance(0.09);
  assertEquals(await settled(p), false, "not before the timeout");
  clock.advance(0.02);
  const e = await failed as DriverError;
  assertEquals(e.status, Status.HARDWARE_ERROR);
});

Deno.test("a domain does not come on under an off parent nor go off over an on child", () => {
  const r = rig(BOARD, { init: { pmu: { 0x180: 0b10 } } }); // gpu on, top off (as read)
  const pd = r.driver.power as PowerHw;
  const e1 = assertThrows(() => pd.setState(0, PowerState.OFF), DriverError) as DriverError;
  assertEquals(e1.status, Status.IN_USE);
  r.words.get("pmu")![0x180 / 4] = 0;
  const e2 = assertThrows(() => pd.setState(1, PowerState.ON), DriverError) as DriverError;
  assertEquals(e2.status, Status.DENIED);
  const e3 = assertThrows(() => pd.setState(0, 0x4000_0005), DriverError) as DriverError;
  assertEquals(e3.status, Status.INVALID_PARAMETERS);
  assertEquals(r.words.get("pmu")![0x140 / 4], 0, "nothing requested");
});

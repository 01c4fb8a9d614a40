import { assert, assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { DriverError } from "../../../core/driver.ts";
import { Status } from "../../../core/status.ts";
import { perfKind } from "../../../plugins/perf/kind.ts";
import type { PerfHw } from "../../../plugins/perf/hw.ts";
import { FIXTURES, modelRig } from "./_kernel_model_test.ts";

const POLICY = "/sys/devices/system/cpu/cpufreq/policy0";

Deno.test("linux perf: levels are the policy's frequencies, the level its scaling_cur_freq", async () => {
  const { model, board, driver } = await modelRig(FIXTURES.scmiGuest);
  const [d] = perfKind.of(board);
  const avail = model.text(`${POLICY}/scaling_available_frequencies`).split(/\s+/).map(Number);
  const boost = model.text(`${POLICY}/scaling_boost_frequencies`).split(/\s+/).map(Number);
  assertEquals(d.levels.map((l) => l.level), [...avail, ...boost].sort((a, b) => a - b));
  assertEquals(d.levels.map((l) => l.freqKhz), d.levels.map((l) => l.level));
  const hw = perfKind.hw.of(driver) as PerfHw;
  assertEquals(hw.getLevel(d.id), Number(model.text(`${POLICY}/scaling_cur_freq`)));
});

Deno.test("linux perf: under the userspace governor a level goes through scaling_setspeed", async () => {
  const { model, board, driver } = await modelRig(FIXTURES.scmiGuest);
  const [d] = perfKind.of(board);
  const hw = perfKind.hw.of(driver) as PerfHw;
  assertEquals(model.text(`${POLICY}/scaling_governor`), "userspace");
  assertEquals(hw.setLevel(d.id, 1_608_000), 1_608_000);
  assertEquals(model.text(`${POLICY}/scaling_cur_freq`), "1608000");
  assertEquals(hw.setLevel(d.id, 408_000), 408_000);
  assertEquals(model.text(`${POLICY}/scaling_cur_freq`), "408000");
  // Limits: a minimum above the maximum in force needs the maximum written first.
  assertEquals(hw.setLimits(d.id, 408_000, 816_000), 408_000);
  assertEquals(model.text(`${POLICY}/scaling_max_freq`), "816000");
  assertEquals(hw.setLimits(d.id, 1_200_000, 1_800_000), 1_200_000);
  assertEquals(
    [model.text(`${POLICY}/scaling_min_freq`), model.text(`${POLICY}/scaling_max_freq`)],
    ["1200000", "1800000"],
  );
  // The answer is what the kernel runs: a level outside the limits lands inside them.
  assertEquals(hw.setLevel(d.id, 600_000), 1_200_000);
  assertEquals(driver.access!("perf", d.id), { read: true, write: true });
});

Deno.test("linux perf: another governor chooses the level (DENIED); limits move it", async () => {
  const { model, board, driver } = await modelRig(FIXTURES.thermalIioGpio);
  const [d] = perfKind.of(board);
  const hw = perfKind.hw.of(driver) as PerfHw;
  assertEquals(model.text(`${POLICY}/scaling_governor`), "performance");
  const e = assertThrows(() => hw.setLevel(d.id, 600_000), DriverError) as DriverError;
  assertEquals(e.status, Status.DENIED);
  assertEquals(model.writes, []);
  assertEquals(hw.setLimits(d.id, 600_000, 1_200_000), 1_200_000);
  assertEquals(model.text(`${POLICY}/scaling_cur_freq`), "1200000");
  const a = driver.access!("perf", d.id);
  assert(a.write && a.why?.includes("performance governor"), a.why);
});

Deno.test("linux perf: a write the kernel refuses becomes its status", async () => {
  const { model, board, driver } = await modelRig(FIXTURES.scmiGuest);
  const [d] = perfKind.of(board);
  const hw = perfKind.hw.of(driver) as PerfHw;
  for (const p of model.modes.keys()) {
    if (p.endsWith("policy0/scaling_min_freq")) model.modes.set(p, 0o444);
  }
  const e = assertThrows(() => hw.setLimits(d.id, 600_000, 1_800_000), DriverError) as DriverError;
  assertEquals(e.status, Status.DENIED);
  assertEquals(driver.access!("perf", d.id).why, "limits are read-only");
});
